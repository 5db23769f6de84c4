// SPDX-License-Identifier: Apache-2.0
// What a connection tells about the driver: SQLGetInfo and SQLGetFunctions.
#include <algorithm>
#include <cstring>
#include <iterator>

#include "fake_core.h"

namespace odbcfake {

SQLRETURN getInfo(Dbc& c, SQLUSMALLINT type, SQLPOINTER value, SQLSMALLINT capacity,
                  SQLSMALLINT* length, bool wide) {
    enum class As { Text, Small, Int };
    As as = As::Int;
    std::string text;
    SQLUINTEGER number = 0;
    auto str = [&](std::string s) { as = As::Text, text = std::move(s); };
    auto small = [&](SQLUINTEGER n) { as = As::Small, number = n; };
    auto integer = [&](SQLUINTEGER n) { as = As::Int, number = n; };
    switch (type) {
        case SQL_DRIVER_NAME:
            str("libodbcfake.so");
            break;
        case SQL_DRIVER_VER:
            str("01.00.0000");
            break;
        case SQL_DRIVER_ODBC_VER:
            str("03.80");
            break;
        case SQL_DBMS_NAME:
            str("FakeDB");
            break;
        case SQL_DBMS_VER:
            str("01.00.0000");
            break;
        case SQL_DATA_SOURCE_NAME:
            str(c.dataSource);
            break;
        case SQL_DATABASE_NAME:
            str(c.connected ? c.faults.database : "");
            break;
        case SQL_SERVER_NAME:
            str("fake");
            break;
        case SQL_USER_NAME:
            str(c.user);
            break;
        case SQL_IDENTIFIER_QUOTE_CHAR:
            str("\"");
            break;
        case SQL_SEARCH_PATTERN_ESCAPE:
            str("\\");
            break;
        case SQL_DATA_SOURCE_READ_ONLY:
        case SQL_ACCESSIBLE_PROCEDURES:
        case SQL_PROCEDURES:
        case SQL_MULT_RESULT_SETS:
        case SQL_NEED_LONG_DATA_LEN:
        case SQL_ROW_UPDATES:
        case SQL_DESCRIBE_PARAMETER:
        case SQL_CATALOG_NAME:
        case SQL_INTEGRITY:
        case SQL_LIKE_ESCAPE_CLAUSE:
        case SQL_OUTER_JOINS:
        case SQL_MAX_ROW_SIZE_INCLUDES_LONG:
            str("N");
            break;
        case SQL_ACCESSIBLE_TABLES:
        case SQL_MULTIPLE_ACTIVE_TXN:
        case SQL_COLUMN_ALIAS:
        case SQL_ORDER_BY_COLUMNS_IN_SELECT:
        case SQL_EXPRESSIONS_IN_ORDERBY:
            str("Y");
            break;
        case SQL_CATALOG_NAME_SEPARATOR:
        case SQL_CATALOG_TERM:
        case SQL_SCHEMA_TERM:
        case SQL_PROCEDURE_TERM:
        case SQL_KEYWORDS:
        case SQL_SPECIAL_CHARACTERS:
        case SQL_COLLATION_SEQ:
            str("");
            break;
        case SQL_TABLE_TERM:
            str("table");
            break;
        case SQL_XOPEN_CLI_YEAR:
            str("1995");
            break;
        case SQL_TXN_CAPABLE:
            small(SQL_TC_DML);
            break;
        case SQL_CURSOR_COMMIT_BEHAVIOR:
        case SQL_CURSOR_ROLLBACK_BEHAVIOR:
            small(SQL_CB_PRESERVE);
            break;
        case SQL_MAX_DRIVER_CONNECTIONS:
        case SQL_MAX_CONCURRENT_ACTIVITIES:
        case SQL_ACTIVE_ENVIRONMENTS:
        case SQL_MAX_CATALOG_NAME_LEN:
        case SQL_MAX_SCHEMA_NAME_LEN:
        case SQL_MAX_PROCEDURE_NAME_LEN:
        case SQL_MAX_COLUMNS_IN_SELECT:
            small(0);
            break;
        case SQL_MAX_COLUMN_NAME_LEN:
        case SQL_MAX_TABLE_NAME_LEN:
        case SQL_MAX_CURSOR_NAME_LEN:
            small(128);
            break;
        case SQL_IDENTIFIER_CASE:
        case SQL_QUOTED_IDENTIFIER_CASE:
            small(SQL_IC_LOWER);
            break;
        case SQL_NULL_COLLATION:
            small(SQL_NC_HIGH);
            break;
        case SQL_NON_NULLABLE_COLUMNS:
            small(SQL_NNC_NON_NULL);
            break;
        case SQL_CONCAT_NULL_BEHAVIOR:
            small(SQL_CB_NULL);
            break;
        case SQL_CORRELATION_NAME:
            small(SQL_CN_NONE);
            break;
        case SQL_FILE_USAGE:
            small(SQL_FILE_NOT_SUPPORTED);
            break;
        case SQL_GROUP_BY:
            small(SQL_GB_NOT_SUPPORTED);
            break;
        case SQL_CATALOG_LOCATION:
            small(0);
            break;
        case SQL_TXN_ISOLATION_OPTION:
        case SQL_DEFAULT_TXN_ISOLATION:
            integer(SQL_TXN_READ_COMMITTED);
            break;
        case SQL_GETDATA_EXTENSIONS:
            integer(SQL_GD_ANY_COLUMN | SQL_GD_ANY_ORDER);
            break;
        case SQL_SCROLL_OPTIONS:
            integer(SQL_SO_FORWARD_ONLY);
            break;
        case SQL_FETCH_DIRECTION:
            integer(SQL_FD_FETCH_NEXT);
            break;
        case SQL_FORWARD_ONLY_CURSOR_ATTRIBUTES1:
            integer(SQL_CA1_NEXT);
            break;
        case SQL_ODBC_INTERFACE_CONFORMANCE:
            integer(SQL_OIC_CORE);
            break;
        case SQL_SQL_CONFORMANCE:
            integer(SQL_SC_SQL92_ENTRY);
            break;
        case SQL_PARAM_ARRAY_ROW_COUNTS:
            integer(SQL_PARC_NO_BATCH);
            break;
        case SQL_PARAM_ARRAY_SELECTS:
            integer(SQL_PAS_NO_SELECT);
            break;
        case SQL_ASYNC_MODE:
            integer(SQL_AM_NONE);
            break;
        case SQL_CURSOR_SENSITIVITY:
            integer(SQL_UNSPECIFIED);
            break;
        case SQL_FORWARD_ONLY_CURSOR_ATTRIBUTES2:
        case SQL_STATIC_CURSOR_ATTRIBUTES1:
        case SQL_STATIC_CURSOR_ATTRIBUTES2:
        case SQL_KEYSET_CURSOR_ATTRIBUTES1:
        case SQL_KEYSET_CURSOR_ATTRIBUTES2:
        case SQL_DYNAMIC_CURSOR_ATTRIBUTES1:
        case SQL_DYNAMIC_CURSOR_ATTRIBUTES2:
        case SQL_MAX_ASYNC_CONCURRENT_STATEMENTS:
        case SQL_BATCH_SUPPORT:
        case SQL_BATCH_ROW_COUNT:
        case SQL_BOOKMARK_PERSISTENCE:
        case SQL_POS_OPERATIONS:
        case SQL_LOCK_TYPES:
        case SQL_STATIC_SENSITIVITY:
        case SQL_SCROLL_CONCURRENCY:
        case SQL_MAX_STATEMENT_LEN:
        case SQL_MAX_ROW_SIZE:
        case SQL_STRING_FUNCTIONS:
        case SQL_NUMERIC_FUNCTIONS:
        case SQL_SYSTEM_FUNCTIONS:
        case SQL_TIMEDATE_FUNCTIONS:
        case SQL_CONVERT_FUNCTIONS:
        case SQL_SQL92_PREDICATES:
        case SQL_SQL92_VALUE_EXPRESSIONS:
        case SQL_AGGREGATE_FUNCTIONS:
        case SQL_SUBQUERIES:
        case SQL_UNION:
        case SQL_CATALOG_USAGE:
        case SQL_SCHEMA_USAGE:
        case SQL_OJ_CAPABILITIES:
            integer(0);
            break;
        default:
            fail("HY096", 0, "[Fake]Information type out of range: " + std::to_string(type));
    }
    switch (as) {
        case As::Text:
            return putText<SQLSMALLINT>(c.diag, text, value, capacity, length, wide, true);
        case As::Small: {
            auto n = static_cast<SQLUSMALLINT>(number);
            if (value != nullptr) std::memcpy(value, &n, sizeof n);
            if (length != nullptr) *length = sizeof n;
            return SQL_SUCCESS;
        }
        case As::Int:
            if (value != nullptr) std::memcpy(value, &number, sizeof number);
            if (length != nullptr) *length = sizeof number;
            return SQL_SUCCESS;
    }
    return SQL_SUCCESS;
}

namespace {
// What SQLGetFunctions reports: exactly the functions fake_api.cpp implements.
constexpr SQLUSMALLINT kImplementedFunctions[] = {
    SQL_API_SQLALLOCHANDLE,    SQL_API_SQLFREEHANDLE,     SQL_API_SQLSETENVATTR,
    SQL_API_SQLGETENVATTR,     SQL_API_SQLCONNECT,        SQL_API_SQLDRIVERCONNECT,
    SQL_API_SQLDISCONNECT,     SQL_API_SQLGETINFO,        SQL_API_SQLGETFUNCTIONS,
    SQL_API_SQLSETCONNECTATTR, SQL_API_SQLGETCONNECTATTR, SQL_API_SQLSETSTMTATTR,
    SQL_API_SQLGETSTMTATTR,    SQL_API_SQLEXECDIRECT,     SQL_API_SQLPREPARE,
    SQL_API_SQLEXECUTE,        SQL_API_SQLNUMRESULTCOLS,  SQL_API_SQLDESCRIBECOL,
    SQL_API_SQLCOLATTRIBUTE,   SQL_API_SQLBINDCOL,        SQL_API_SQLFETCH,
    SQL_API_SQLFETCHSCROLL,    SQL_API_SQLGETDATA,        SQL_API_SQLROWCOUNT,
    SQL_API_SQLMORERESULTS,    SQL_API_SQLFREESTMT,       SQL_API_SQLCLOSECURSOR,
    SQL_API_SQLBINDPARAMETER,  SQL_API_SQLNUMPARAMS,      SQL_API_SQLENDTRAN,
    SQL_API_SQLCANCEL,         SQL_API_SQLGETDIAGREC,     SQL_API_SQLGETDIAGFIELD,
    SQL_API_SQLERROR,
};
}  // namespace

SQLRETURN getFunctions(SQLUSMALLINT function, SQLUSMALLINT* supported) {
    if (supported == nullptr) fail("HY009", 0, "[Fake]Invalid use of null pointer");
    if (function == SQL_API_ODBC3_ALL_FUNCTIONS) {
        std::fill(supported, supported + SQL_API_ODBC3_ALL_FUNCTIONS_SIZE, 0);
        for (SQLUSMALLINT f : kImplementedFunctions) {
            supported[f >> 4] = static_cast<SQLUSMALLINT>(supported[f >> 4] | (1 << (f & 0xF)));
        }
    } else if (function == SQL_API_ALL_FUNCTIONS) {
        std::fill(supported, supported + 100, 0);
        for (SQLUSMALLINT f : kImplementedFunctions) {
            if (f < 100) supported[f] = SQL_TRUE;
        }
    } else {
        const auto* end = std::end(kImplementedFunctions);
        *supported = std::find(std::begin(kImplementedFunctions), end, function) != end ? SQL_TRUE
                                                                                        : SQL_FALSE;
    }
    return SQL_SUCCESS;
}

}  // namespace odbcfake
