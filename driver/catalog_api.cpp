// SPDX-License-Identifier: Apache-2.0
// Catalog functions: each passes its text arguments, in order, to one core method. Each is
// written once below and defined twice by A_AND_W: its A form (SQLCHAR) and its W form
// (SQLWCHAR). SQLSpecialColumns takes its identifier type first, so it passes it as the first
// number.
#include "driver/gateway.h"

using namespace odbcretry;
using odbcretry::driver::with;

namespace {

InText text(SQLCHAR* s, SQLSMALLINT n) {
    return InText::narrow(s, n);
}
InText text(SQLWCHAR* s, SQLSMALLINT n) {
    return InText::of(s, n);
}

template <size_t N>
SQLRETURN catalog(SQLHSTMT stmt, Statement::Catalog id, const InText (&args)[N], SQLUSMALLINT x = 0,
                  SQLUSMALLINT y = 0, SQLUSMALLINT z = 0) {
    return with<Statement>(
        stmt, [&](Statement& s) { return s.catalog(id, args, static_cast<int>(N), x, y, z); });
}

}  // namespace

// clang-format off
#define A_AND_W(DEFINE, NAME, ID) DEFINE(NAME, SQLCHAR, ID) DEFINE(NAME##W, SQLWCHAR, ID)

// catalog, schema, object.
#define TEXTS3(NAME, CHAR, ID)                                                                   \
    ODBCRETRY_EXPORT SQLRETURN SQL_API NAME(SQLHSTMT stmt, CHAR* t1, SQLSMALLINT n1, CHAR* t2,  \
                                            SQLSMALLINT n2, CHAR* t3, SQLSMALLINT n3) {         \
        return catalog(stmt, Statement::Catalog::ID, {text(t1, n1), text(t2, n2), text(t3, n3)}); \
    }
// catalog, schema, object, and a name or a type.
#define TEXTS4(NAME, CHAR, ID)                                                                   \
    ODBCRETRY_EXPORT SQLRETURN SQL_API NAME(SQLHSTMT stmt, CHAR* t1, SQLSMALLINT n1, CHAR* t2,  \
                                            SQLSMALLINT n2, CHAR* t3, SQLSMALLINT n3, CHAR* t4, \
                                            SQLSMALLINT n4) {                                   \
        return catalog(stmt, Statement::Catalog::ID,                                             \
                       {text(t1, n1), text(t2, n2), text(t3, n3), text(t4, n4)});                \
    }
// SQLStatistics: catalog, schema, table, then unique and reserved.
#define STATISTICS(NAME, CHAR, ID)                                                               \
    ODBCRETRY_EXPORT SQLRETURN SQL_API NAME(SQLHSTMT stmt, CHAR* t1, SQLSMALLINT n1, CHAR* t2,  \
                                            SQLSMALLINT n2, CHAR* t3, SQLSMALLINT n3,           \
                                            SQLUSMALLINT unique, SQLUSMALLINT reserved) {       \
        return catalog(stmt, Statement::Catalog::ID, {text(t1, n1), text(t2, n2), text(t3, n3)}, \
                       unique, reserved);                                                        \
    }
// SQLSpecialColumns: identifier type, catalog, schema, table, scope, nullable.
#define SPECIAL_COLUMNS(NAME, CHAR, ID)                                                          \
    ODBCRETRY_EXPORT SQLRETURN SQL_API NAME(SQLHSTMT stmt, SQLUSMALLINT identifier_type,        \
                                            CHAR* t1, SQLSMALLINT n1, CHAR* t2, SQLSMALLINT n2, \
                                            CHAR* t3, SQLSMALLINT n3, SQLUSMALLINT scope,       \
                                            SQLUSMALLINT nullable) {                            \
        return catalog(stmt, Statement::Catalog::ID, {text(t1, n1), text(t2, n2), text(t3, n3)}, \
                       identifier_type, scope, nullable);                                        \
    }
// SQLForeignKeys: the primary key table's catalog, schema, table, then the foreign key table's.
#define FOREIGN_KEYS(NAME, CHAR, ID)                                                             \
    ODBCRETRY_EXPORT SQLRETURN SQL_API NAME(SQLHSTMT stmt, CHAR* t1, SQLSMALLINT n1, CHAR* t2,  \
                                            SQLSMALLINT n2, CHAR* t3, SQLSMALLINT n3, CHAR* t4, \
                                            SQLSMALLINT n4, CHAR* t5, SQLSMALLINT n5, CHAR* t6, \
                                            SQLSMALLINT n6) {                                   \
        return catalog(stmt, Statement::Catalog::ID,                                             \
                       {text(t1, n1), text(t2, n2), text(t3, n3), text(t4, n4), text(t5, n5),    \
                        text(t6, n6)});                                                          \
    }

A_AND_W(TEXTS4, SQLTables, Tables)
A_AND_W(TEXTS4, SQLColumns, Columns)
A_AND_W(TEXTS4, SQLProcedureColumns, ProcedureColumns)
A_AND_W(TEXTS4, SQLColumnPrivileges, ColumnPrivileges)
A_AND_W(TEXTS3, SQLPrimaryKeys, PrimaryKeys)
A_AND_W(TEXTS3, SQLProcedures, Procedures)
A_AND_W(TEXTS3, SQLTablePrivileges, TablePrivileges)
A_AND_W(STATISTICS, SQLStatistics, Statistics)
A_AND_W(SPECIAL_COLUMNS, SQLSpecialColumns, SpecialColumns)
A_AND_W(FOREIGN_KEYS, SQLForeignKeys, ForeignKeys)
// clang-format on
