// SPDX-License-Identifier: Apache-2.0
// The differential suite (see differential.h and differential_fixture.h): column metadata
// (SQLDescribeCol, SQLColAttribute), SQLDescribeParam and descriptors.
#include <utility>

#include "differential_fixture.h"

using namespace ort_it;

namespace {

// ---- column metadata ----------------------------------------------------------------------------

// SQLColAttribute fields whose value is a character string (the rest are numbers).
bool col_attribute_is_text(SQLUSMALLINT field) {
    switch (field) {
        case SQL_DESC_BASE_COLUMN_NAME:
        case SQL_DESC_BASE_TABLE_NAME:
        case SQL_DESC_CATALOG_NAME:
        case SQL_DESC_LABEL:
        case SQL_DESC_LITERAL_PREFIX:
        case SQL_DESC_LITERAL_SUFFIX:
        case SQL_DESC_LOCAL_TYPE_NAME:
        case SQL_DESC_NAME:
        case SQL_DESC_SCHEMA_NAME:
        case SQL_DESC_TABLE_NAME:
        case SQL_DESC_TYPE_NAME:
        case SQL_COLUMN_NAME:
            return true;
        default:
            return false;
    }
}

TEST_P(Differential, DescribeColAndColAttribute) {
    run([](Pass& r) {
        const std::string t = r.table("describe");
        fill_types_table(r, t);
        Stmt s(r);
        r.exec(s, "SELECT t.*, c_int + 1 AS computed, 'lit' FROM " + t + " t ORDER BY c_id");
        SQLSMALLINT columns = -1;
        r.st("SQLNumResultCols", SQLNumResultCols(s, &columns), s);
        r.note(fmt("  columns=%d", columns));
        const SQLUSMALLINT fields[] = {
            SQL_DESC_AUTO_UNIQUE_VALUE,
            SQL_DESC_BASE_COLUMN_NAME,
            SQL_DESC_BASE_TABLE_NAME,
            SQL_DESC_CASE_SENSITIVE,
            SQL_DESC_CATALOG_NAME,
            SQL_DESC_CONCISE_TYPE,
            SQL_DESC_COUNT,
            SQL_DESC_DISPLAY_SIZE,
            SQL_DESC_FIXED_PREC_SCALE,
            SQL_DESC_LABEL,
            SQL_DESC_LENGTH,
            SQL_DESC_LITERAL_PREFIX,
            SQL_DESC_LITERAL_SUFFIX,
            SQL_DESC_LOCAL_TYPE_NAME,
            SQL_DESC_NAME,
            SQL_DESC_NULLABLE,
            SQL_DESC_NUM_PREC_RADIX,
            SQL_DESC_OCTET_LENGTH,
            SQL_DESC_PRECISION,
            SQL_DESC_SCALE,
            SQL_DESC_SCHEMA_NAME,
            SQL_DESC_SEARCHABLE,
            SQL_DESC_TABLE_NAME,
            SQL_DESC_TYPE,
            SQL_DESC_TYPE_NAME,
            SQL_DESC_UNNAMED,
            SQL_DESC_UNSIGNED,
            SQL_DESC_UPDATABLE,
            SQL_COLUMN_LENGTH,
            SQL_COLUMN_PRECISION,
            SQL_COLUMN_SCALE,
            SQL_COLUMN_NULLABLE,
            SQL_COLUMN_NAME,
            SQL_COLUMN_COUNT,
        };
        for (SQLUSMALLINT c = 0;
             c <= static_cast<SQLUSMALLINT>(std::max<SQLSMALLINT>(columns, 0)) + 1; ++c) {
            for (bool wide : {false, true}) {
                unsigned char name[512];
                std::memset(name, 0xCC, sizeof name);
                SQLSMALLINT name_length = -1, type = -1, digits = -1, nullable = -1;
                SQLULEN size = 777;
                SQLRETURN rc = wide
                                   ? SQLDescribeColW(s, c, reinterpret_cast<SQLWCHAR*>(name), 256,
                                                     &name_length, &type, &size, &digits, &nullable)
                                   : SQLDescribeCol(s, c, name, 512, &name_length, &type, &size,
                                                    &digits, &nullable);
                std::string text =
                    wide ? r.w_text(reinterpret_cast<SQLWCHAR*>(name), 256, name_length)
                         : printable(name, strnlen(reinterpret_cast<char*>(name), 512));
                const std::string what =
                    fmt("SQLDescribeCol%s(%u) name='%s' %s type=%d size=%lu digits=%d nullable=%d "
                        "buffer=%s",
                        wide ? "W" : "", c, SQL_SUCCEEDED(rc) ? text.c_str() : "",
                        (wide ? r.w_len(name_length) : fmt("len=%d", name_length)).c_str(), type,
                        static_cast<unsigned long>(size), digits, nullable,
                        wide ? r.w_buffer(name, sizeof name).c_str()
                             : (hash_tag(name, sizeof name)).c_str());
                wide ? r.w_st(what, rc, s, Pass::WOut::Text) : r.st(what, rc, s);
            }
            if (c == 0 || c > static_cast<SQLUSMALLINT>(columns)) continue;
            for (SQLUSMALLINT field : fields) {
                for (bool wide : {false, true}) {
                    unsigned char text[512];
                    std::memset(text, 0xCC, sizeof text);
                    SQLSMALLINT length = -7777;
                    SQLLEN numeric = static_cast<SQLLEN>(0x5A5A5A5A5A5A5A5ALL);
                    SQLRETURN rc = wide
                                       ? SQLColAttributeW(s, c, field, text, 400, &length, &numeric)
                                       : SQLColAttribute(s, c, field, text, 400, &length, &numeric);
                    std::string shown;
                    if (SQL_SUCCEEDED(rc) && length >= 0 && length < 400 && text[0] != 0xCC)
                        shown = wide ? r.w_text(reinterpret_cast<SQLWCHAR*>(text), 200, length / 2)
                                     : printable(text, strnlen(reinterpret_cast<char*>(text), 400));
                    // A W call for a text field follows the W rule (differential.h).
                    const bool w_text_out = wide && col_attribute_is_text(field);
                    // (Not "#" + hash_str(...): GCC 12's -Wrestrict misfires on it at -O3.)
                    std::string hashed = "#";
                    if (!wide) hashed += hash_str(text, sizeof text);
                    const std::string what =
                        fmt("SQLColAttribute%s(%u, %u) %s text='%s' numeric=%lld buffer=%s",
                            wide ? "W" : "", c, field,
                            (w_text_out ? r.w_len(length) : fmt("len=%d", length)).c_str(),
                            shown.c_str(), static_cast<long long>(numeric),
                            wide ? r.w_buffer(text, sizeof text).c_str() : hashed.c_str());
                    w_text_out ? r.w_st(what, rc, s, Pass::WOut::Text)
                    : wide     ? r.w_st(what, rc, s)
                               : r.st(what, rc, s);
                }
            }
            // The name into a buffer that is too small.
            SQLCHAR small[8];
            std::memset(small, 0xCC, sizeof small);
            SQLSMALLINT length = -7777;
            r.st(fmt("SQLColAttribute(%u, NAME, buffer 4) len", c),
                 SQLColAttribute(s, c, SQL_DESC_NAME, small, 4, &length, nullptr), s);
            r.note(fmt("  len=%d buffer=%s", length, hex(small, sizeof small).c_str()));
        }
        r.st("SQLCloseCursor", SQLCloseCursor(s), s);
        r.sql("DROP TABLE " + t);
    });
}

// ---- parameters ---------------------------------------------------------------------------------

TEST_P(Differential, DescribeParam) {
    run([](Pass& r) {
        const std::string t = r.table("descparam");
        fill_types_table(r, t);
        const std::string statements[] = {
            "INSERT INTO " + t + " (c_id, c_int, c_varchar, c_ts, c_num) VALUES (?, ?, ?, ?, ?)",
            "SELECT c_id FROM " + t + " WHERE c_int = ? AND c_varchar = ?",
            "UPDATE " + t + " SET c_text = ? WHERE c_id = ?",
            "SELECT 1",
        };
        for (const auto& sql : statements) {
            for (bool wide : {false, true}) {
                Stmt s(r);
                wide ? r.preparew(s, sql) : r.prepare(s, sql);
                SQLSMALLINT count = -1;
                r.st("SQLNumParams", SQLNumParams(s, &count), s);
                r.note(fmt("  params=%d", count));
                for (SQLUSMALLINT p = 0;
                     p <= static_cast<SQLUSMALLINT>(std::max<SQLSMALLINT>(count, 0)) + 1; ++p) {
                    SQLSMALLINT type = -1, digits = -1, nullable = -1;
                    SQLULEN size = 777;
                    r.st(fmt("SQLDescribeParam(%u)", p),
                         SQLDescribeParam(s, p, &type, &size, &digits, &nullable), s);
                    r.note(fmt("  type=%d size=%lu digits=%d nullable=%d", type,
                               static_cast<unsigned long>(size), digits, nullable));
                }
                SQLSMALLINT columns = -1;
                r.st("SQLNumResultCols (prepared)", SQLNumResultCols(s, &columns), s);
                r.note(fmt("  columns=%d", columns));
            }
        }
        r.sql("DROP TABLE " + t);
    });
}

// ---- descriptors --------------------------------------------------------------------------------

void dump_descriptor(Pass& r, SQLHDESC d, const std::string& label, bool records = true) {
    SQLSMALLINT count = -1;
    SQLINTEGER len = -1;
    SQLRETURN rc = SQLGetDescField(d, 0, SQL_DESC_COUNT, &count, 0, &len);
    r.rec(fmt("%s SQLGetDescField(COUNT) -> %d", label.c_str(), count), rc, SQL_HANDLE_DESC, d);
    SQLSMALLINT alloc_type = -1;
    rc = SQLGetDescField(d, 0, SQL_DESC_ALLOC_TYPE, &alloc_type, 0, &len);
    r.rec(fmt("%s SQLGetDescField(ALLOC_TYPE) -> %d", label.c_str(), alloc_type), rc,
          SQL_HANDLE_DESC, d);
    SQLULEN array_size = 777;
    rc = SQLGetDescField(d, 0, SQL_DESC_ARRAY_SIZE, &array_size, 0, &len);
    r.rec(fmt("%s SQLGetDescField(ARRAY_SIZE) -> %lu", label.c_str(),
              static_cast<unsigned long>(array_size)),
          rc, SQL_HANDLE_DESC, d);
    SQLPOINTER status_ptr = reinterpret_cast<SQLPOINTER>(0x1);
    rc = SQLGetDescField(d, 0, SQL_DESC_ARRAY_STATUS_PTR, &status_ptr, 0, &len);
    r.rec(fmt("%s SQLGetDescField(ARRAY_STATUS_PTR) -> %s", label.c_str(),
              r.pointer(status_ptr).c_str()),
          rc, SQL_HANDLE_DESC, d);
    for (SQLSMALLINT rec = 1; records && rec <= std::max<SQLSMALLINT>(count, 0) + 1; ++rec) {
        const std::pair<SQLSMALLINT, char> fields[] = {
            {SQL_DESC_TYPE, 's'},
            {SQL_DESC_CONCISE_TYPE, 's'},
            {SQL_DESC_DATETIME_INTERVAL_CODE, 's'},
            {SQL_DESC_LENGTH, 'l'},
            {SQL_DESC_OCTET_LENGTH, 'l'},
            {SQL_DESC_PRECISION, 's'},
            {SQL_DESC_SCALE, 's'},
            {SQL_DESC_NULLABLE, 's'},
            {SQL_DESC_NAME, 't'},
            {SQL_DESC_UNNAMED, 's'},
            {SQL_DESC_TYPE_NAME, 't'},
            {SQL_DESC_LABEL, 't'},
            {SQL_DESC_BASE_COLUMN_NAME, 't'},
            {SQL_DESC_TABLE_NAME, 't'},
            {SQL_DESC_DISPLAY_SIZE, 'l'},
            {SQL_DESC_UNSIGNED, 's'},
            {SQL_DESC_SEARCHABLE, 's'},
            {SQL_DESC_PARAMETER_TYPE, 's'},
            {SQL_DESC_DATA_PTR, 'p'},
            {SQL_DESC_INDICATOR_PTR, 'p'},
            {SQL_DESC_OCTET_LENGTH_PTR, 'p'},
        };
        for (auto [field, kind] : fields) {
            for (bool wide : {false, true}) {
                if (wide && kind != 't') continue;
                unsigned char buffer[512];
                std::memset(buffer, 0xCC, sizeof buffer);
                len = -7777;
                rc = wide ? SQLGetDescFieldW(d, rec, field, buffer, 400, &len)
                          : SQLGetDescField(d, rec, field, buffer, 400, &len);
                std::string value;
                if (SQL_SUCCEEDED(rc)) {
                    if (kind == 's') {
                        SQLSMALLINT v;
                        std::memcpy(&v, buffer, sizeof v);
                        value = std::to_string(v) + " next=" + hex(buffer + 2, 6);
                    } else if (kind == 'l') {
                        SQLLEN v;
                        std::memcpy(&v, buffer, sizeof v);
                        value = std::to_string(v);
                    } else if (kind == 'p') {
                        void* v;
                        std::memcpy(&v, buffer, sizeof v);
                        value = r.pointer(v);
                    } else {
                        // Appended piece by piece: GCC 12's -Wrestrict misfires on
                        // `const char* + std::string` inlined at -O3 (GCC bug 105329).
                        value = "'";
                        value +=
                            wide ? r.w_text(reinterpret_cast<SQLWCHAR*>(buffer), 200, len / 2)
                                 : printable(buffer, strnlen(reinterpret_cast<char*>(buffer), 400));
                        value += "'";
                    }
                }
                // (Only text fields are read with the W form: the W rule applies, differential.h.)
                const std::string what =
                    fmt("%s rec %d SQLGetDescField%s(%d) %s value=%s", label.c_str(), rec,
                        wide ? "W" : "", field,
                        (wide ? r.w_len(len) : fmt("len=%d", static_cast<int>(len))).c_str(),
                        value.c_str());
                wide ? r.w_rec(what, rc, SQL_HANDLE_DESC, d, Pass::WOut::Text)
                     : r.rec(what, rc, SQL_HANDLE_DESC, d);
            }
        }
        for (bool wide : {false, true}) {
            unsigned char name[512];
            std::memset(name, 0xCC, sizeof name);
            SQLSMALLINT name_length = -1, type = -1, subtype = -1, precision = -1, scale = -1,
                        nullable = -1;
            SQLLEN length = -777;
            rc = wide ? SQLGetDescRecW(d, rec, reinterpret_cast<SQLWCHAR*>(name), 200, &name_length,
                                       &type, &subtype, &length, &precision, &scale, &nullable)
                      : SQLGetDescRec(d, rec, name, 400, &name_length, &type, &subtype, &length,
                                      &precision, &scale, &nullable);
            std::string text = wide ? r.w_text(reinterpret_cast<SQLWCHAR*>(name), 200, name_length)
                                    : printable(name, strnlen(reinterpret_cast<char*>(name), 400));
            const std::string what =
                fmt("%s rec %d SQLGetDescRec%s name='%s' %s type=%d subtype=%d length=%ld "
                    "precision=%d scale=%d nullable=%d",
                    label.c_str(), rec, wide ? "W" : "", SQL_SUCCEEDED(rc) ? text.c_str() : "",
                    (wide ? r.w_len(name_length) : fmt("len=%d", name_length)).c_str(), type,
                    subtype, static_cast<long>(length), precision, scale, nullable);
            wide ? r.w_rec(what, rc, SQL_HANDLE_DESC, d, Pass::WOut::Text)
                 : r.rec(what, rc, SQL_HANDLE_DESC, d);
        }
    }
}

TEST_P(Differential, Descriptors) {
    run([](Pass& r) {
        const std::string t = r.table("desc");
        fill_small_table(r, t, 5);
        Stmt s(r);
        // Implicit descriptors: the handles are not recorded (they are the driver manager's).
        SQLHDESC ard = nullptr, ird = nullptr, apd = nullptr, ipd = nullptr;
        r.st("get APP_ROW_DESC", SQLGetStmtAttr(s, SQL_ATTR_APP_ROW_DESC, &ard, 0, nullptr), s);
        r.st("get IMP_ROW_DESC", SQLGetStmtAttr(s, SQL_ATTR_IMP_ROW_DESC, &ird, 0, nullptr), s);
        r.st("get APP_PARAM_DESC", SQLGetStmtAttr(s, SQL_ATTR_APP_PARAM_DESC, &apd, 0, nullptr), s);
        r.st("get IMP_PARAM_DESC", SQLGetStmtAttr(s, SQL_ATTR_IMP_PARAM_DESC, &ipd, 0, nullptr), s);
        r.note(fmt("  handles: %d %d %d %d", ard != nullptr, ird != nullptr, apd != nullptr,
                   ipd != nullptr));
        SQLINTEGER param = 3;
        SQLLEN param_ind = 0;
        r.name_pointer(&param, "param");
        r.name_pointer(&param_ind, "param_ind");
        r.prepare(s, "SELECT c_id, c_name, c_amount FROM " + t + " WHERE c_id <= ? ORDER BY c_id");
        r.st("bind param",
             SQLBindParameter(s, 1, SQL_PARAM_INPUT, SQL_C_SLONG, SQL_INTEGER, 0, 0, &param, 0,
                              &param_ind),
             s);
        r.st("SQLExecute", SQLExecute(s), s);
        dump_descriptor(r, ird, "IRD");
        dump_descriptor(r, ipd, "IPD");
        dump_descriptor(r, apd, "APD");
        // Only the header of the ARD: with no column bound, psqlODBC's ARD records hold
        // uninitialised values (they differ between two runs of the driver alone).
        dump_descriptor(r, ard, "ARD(empty)", false);
        r.st("SQLCloseCursor", SQLCloseCursor(s), s);

        // An explicit descriptor as the ARD, filled with SQLSetDescField and SQLSetDescRec.
        SQLHDESC mine = nullptr;
        r.cn("SQLAllocHandle(DESC)", SQLAllocHandle(SQL_HANDLE_DESC, r.dbc, &mine));
        SQLINTEGER id = -1;
        SQLLEN id_ind = -777, id_len = -777;
        char name[16];
        SQLLEN name_ind = -777, name_len = -777;
        r.name_pointer(&id, "id");
        r.name_pointer(&id_ind, "id_ind");
        r.name_pointer(&id_len, "id_len");
        r.name_pointer(name, "name");
        r.name_pointer(&name_ind, "name_ind");
        r.name_pointer(&name_len, "name_len");
        auto set = [&](SQLSMALLINT rec, SQLSMALLINT field, SQLPOINTER value, const char* what) {
            r.rec(fmt("SQLSetDescField(%d, %s)", rec, what),
                  SQLSetDescField(mine, rec, field, value, 0), SQL_HANDLE_DESC, mine);
        };
        set(1, SQL_DESC_CONCISE_TYPE, reinterpret_cast<SQLPOINTER>(SQL_C_SLONG),
            "CONCISE_TYPE SLONG");
        set(1, SQL_DESC_DATA_PTR, &id, "DATA_PTR");
        set(1, SQL_DESC_INDICATOR_PTR, &id_ind, "INDICATOR_PTR");
        set(1, SQL_DESC_OCTET_LENGTH_PTR, &id_len, "OCTET_LENGTH_PTR");
        r.rec("SQLSetDescRec(2, CHAR)",
              SQLSetDescRec(mine, 2, SQL_C_CHAR, 0, sizeof name, 0, 0, name, &name_len, &name_ind),
              SQL_HANDLE_DESC, mine);
        r.st("set APP_ROW_DESC = explicit", SQLSetStmtAttr(s, SQL_ATTR_APP_ROW_DESC, mine, 0), s);
        SQLHDESC now = nullptr;
        r.st("get APP_ROW_DESC", SQLGetStmtAttr(s, SQL_ATTR_APP_ROW_DESC, &now, 0, nullptr), s);
        r.note(fmt("  is the explicit one: %d", now == mine));
        dump_descriptor(r, mine, "explicit ARD");
        r.st("SQLExecute", SQLExecute(s), s);
        for (int i = 0; i < 4; ++i) {
            std::memset(name, 0xCC, sizeof name);
            SQLRETURN rc = r.st("SQLFetch", SQLFetch(s), s);
            if (!SQL_SUCCEEDED(rc)) break;
            r.note(fmt("  id=%d ind=%s len=%s name='%s' ind=%s len=%s", id, len_str(id_ind).c_str(),
                       len_str(id_len).c_str(),
                       name_ind == SQL_NULL_DATA
                           ? ""
                           : printable(name, strnlen(name, sizeof name)).c_str(),
                       len_str(name_ind).c_str(), len_str(name_len).c_str()));
        }
        r.st("SQLCloseCursor", SQLCloseCursor(s), s);

        // SQLCopyDesc: the IRD into a second explicit descriptor, and the explicit ARD into it.
        SQLHDESC copy = nullptr;
        r.cn("SQLAllocHandle(DESC) #2", SQLAllocHandle(SQL_HANDLE_DESC, r.dbc, &copy));
        r.rec("SQLCopyDesc(IRD -> copy)", SQLCopyDesc(ird, copy), SQL_HANDLE_DESC, copy);
        dump_descriptor(r, copy, "copy of IRD");
        r.rec("SQLCopyDesc(explicit ARD -> copy)", SQLCopyDesc(mine, copy), SQL_HANDLE_DESC, copy);
        dump_descriptor(r, copy, "copy of ARD");
        r.rec("SQLCopyDesc(copy -> IRD) (not allowed)", SQLCopyDesc(copy, ird), SQL_HANDLE_DESC,
              ird);
        r.rec("SQLSetDescField(IRD) (read-only field)",
              SQLSetDescField(ird, 1, SQL_DESC_NAME, const_cast<char*>("x"), SQL_NTS),
              SQL_HANDLE_DESC, ird);

        // Back to the implicit ARD; freeing the explicit descriptor.
        r.st("set APP_ROW_DESC = NULL", SQLSetStmtAttr(s, SQL_ATTR_APP_ROW_DESC, SQL_NULL_HDESC, 0),
             s);
        now = nullptr;
        r.st("get APP_ROW_DESC", SQLGetStmtAttr(s, SQL_ATTR_APP_ROW_DESC, &now, 0, nullptr), s);
        r.note(fmt("  is the implicit one again: %d", now == ard));
        r.rec("SQLFreeHandle(DESC)", SQLFreeHandle(SQL_HANDLE_DESC, mine), SQL_HANDLE_DESC,
              nullptr);
        r.rec("SQLFreeHandle(DESC) #2", SQLFreeHandle(SQL_HANDLE_DESC, copy), SQL_HANDLE_DESC,
              nullptr);
        r.st("SQLExecute", SQLExecute(s), s);
        r.dump_result(s, Fetch::Char);
        r.sql("DROP TABLE " + t);
    });
}

}  // namespace
