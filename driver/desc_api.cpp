// SPDX-License-Identifier: Apache-2.0
// Descriptors, explicit and implicit.
#include "driver/gateway.h"

using namespace odbcretry;
using odbcretry::driver::with;

// clang-format off
#define GET_DESC_FIELD(NAME, CHAR, WIDE)                                                         \
    ODBCRETRY_EXPORT SQLRETURN SQL_API NAME(SQLHDESC desc, SQLSMALLINT rec, SQLSMALLINT field,  \
                                            SQLPOINTER value, SQLINTEGER capacity,               \
                                            SQLINTEGER* length) {                                \
        return with<Descriptor>(desc, [&](Descriptor& d) {                                       \
            return d.get_field(rec, field, value, capacity, length, WIDE);                       \
        });                                                                                      \
    }
#define SET_DESC_FIELD(NAME, CHAR, WIDE)                                                         \
    ODBCRETRY_EXPORT SQLRETURN SQL_API NAME(SQLHDESC desc, SQLSMALLINT rec, SQLSMALLINT field,  \
                                            SQLPOINTER value, SQLINTEGER length) {               \
        return with<Descriptor>(                                                                 \
            desc, [&](Descriptor& d) { return d.set_field(rec, field, value, length, WIDE); });  \
    }
#define GET_DESC_REC(NAME, CHAR, WIDE)                                                           \
    ODBCRETRY_EXPORT SQLRETURN SQL_API NAME(SQLHDESC desc, SQLSMALLINT rec, CHAR* name,         \
                                            SQLSMALLINT capacity, SQLSMALLINT* name_length,      \
                                            SQLSMALLINT* type, SQLSMALLINT* subtype,             \
                                            SQLLEN* length, SQLSMALLINT* precision,              \
                                            SQLSMALLINT* scale, SQLSMALLINT* nullable) {         \
        return with<Descriptor>(desc, [&](Descriptor& d) {                                       \
            return d.get_rec(rec, OutText::chars(name, capacity), name_length, type, subtype,    \
                             length, precision, scale, nullable);                                \
        });                                                                                      \
    }
ODBCRETRY_A_AND_W(GET_DESC_FIELD, SQLGetDescField)
ODBCRETRY_A_AND_W(SET_DESC_FIELD, SQLSetDescField)
ODBCRETRY_A_AND_W(GET_DESC_REC, SQLGetDescRec)
// clang-format on

ODBCRETRY_EXPORT SQLRETURN SQL_API SQLSetDescRec(SQLHDESC desc, SQLSMALLINT rec, SQLSMALLINT type,
                                                 SQLSMALLINT subtype, SQLLEN length,
                                                 SQLSMALLINT precision, SQLSMALLINT scale,
                                                 SQLPOINTER data, SQLLEN* string_length,
                                                 SQLLEN* indicator) {
    return with<Descriptor>(desc, [&](Descriptor& d) {
        d.note_edited();
        return d.forward<&TargetApi::SQLSetDescRec>(rec, type, subtype, length, precision, scale,
                                                    data, string_length, indicator);
    });
}

// The diagnostics of SQLCopyDesc belong to the destination (ODBC: SQLGetDiagRec on
// TargetDescHandle): its records are cleared and ours are posted there.
ODBCRETRY_EXPORT SQLRETURN SQL_API SQLCopyDesc(SQLHDESC source, SQLHDESC destination) {
    Descriptor* s = Descriptor::from(source);
    if (!s) return SQL_INVALID_HANDLE;
    return with<Descriptor>(destination, [&](Descriptor& d) { return s->copy_to(d); });
}
