// SPDX-License-Identifier: Apache-2.0
// Catalog functions: each passes its text arguments, in order, to one core method.
// SQLSpecialColumns takes its identifier type first, so it passes it as the first number.
#include "driver/gateway.h"

using namespace odbcretry;
using odbcretry::driver::with;

ODBCRETRY_EXPORT SQLRETURN SQL_API SQLTables(SQLHSTMT stmt, SQLCHAR* catalog,
                                             SQLSMALLINT catalog_length, SQLCHAR* schema,
                                             SQLSMALLINT schema_length, SQLCHAR* table,
                                             SQLSMALLINT table_length, SQLCHAR* table_type,
                                             SQLSMALLINT table_type_length) {
    const InText args[] = {
        InText::narrow(catalog, catalog_length), InText::narrow(schema, schema_length),
        InText::narrow(table, table_length), InText::narrow(table_type, table_type_length)};
    return with<Statement>(
        stmt, [&](Statement& s) { return s.catalog(Statement::Catalog::Tables, args, 4); });
}

ODBCRETRY_EXPORT SQLRETURN SQL_API SQLTablesW(SQLHSTMT stmt, SQLWCHAR* catalog,
                                              SQLSMALLINT catalog_length, SQLWCHAR* schema,
                                              SQLSMALLINT schema_length, SQLWCHAR* table,
                                              SQLSMALLINT table_length, SQLWCHAR* table_type,
                                              SQLSMALLINT table_type_length) {
    const InText args[] = {InText::of(catalog, catalog_length), InText::of(schema, schema_length),
                           InText::of(table, table_length),
                           InText::of(table_type, table_type_length)};
    return with<Statement>(
        stmt, [&](Statement& s) { return s.catalog(Statement::Catalog::Tables, args, 4); });
}

ODBCRETRY_EXPORT SQLRETURN SQL_API SQLColumns(SQLHSTMT stmt, SQLCHAR* catalog,
                                              SQLSMALLINT catalog_length, SQLCHAR* schema,
                                              SQLSMALLINT schema_length, SQLCHAR* table,
                                              SQLSMALLINT table_length, SQLCHAR* column,
                                              SQLSMALLINT column_length) {
    const InText args[] = {
        InText::narrow(catalog, catalog_length), InText::narrow(schema, schema_length),
        InText::narrow(table, table_length), InText::narrow(column, column_length)};
    return with<Statement>(
        stmt, [&](Statement& s) { return s.catalog(Statement::Catalog::Columns, args, 4); });
}

ODBCRETRY_EXPORT SQLRETURN SQL_API SQLColumnsW(SQLHSTMT stmt, SQLWCHAR* catalog,
                                               SQLSMALLINT catalog_length, SQLWCHAR* schema,
                                               SQLSMALLINT schema_length, SQLWCHAR* table,
                                               SQLSMALLINT table_length, SQLWCHAR* column,
                                               SQLSMALLINT column_length) {
    const InText args[] = {InText::of(catalog, catalog_length), InText::of(schema, schema_length),
                           InText::of(table, table_length), InText::of(column, column_length)};
    return with<Statement>(
        stmt, [&](Statement& s) { return s.catalog(Statement::Catalog::Columns, args, 4); });
}

ODBCRETRY_EXPORT SQLRETURN SQL_API SQLStatistics(SQLHSTMT stmt, SQLCHAR* catalog,
                                                 SQLSMALLINT catalog_length, SQLCHAR* schema,
                                                 SQLSMALLINT schema_length, SQLCHAR* table,
                                                 SQLSMALLINT table_length, SQLUSMALLINT unique,
                                                 SQLUSMALLINT reserved) {
    const InText args[] = {InText::narrow(catalog, catalog_length),
                           InText::narrow(schema, schema_length),
                           InText::narrow(table, table_length)};
    return with<Statement>(stmt, [&](Statement& s) {
        return s.catalog(Statement::Catalog::Statistics, args, 3, unique, reserved);
    });
}

ODBCRETRY_EXPORT SQLRETURN SQL_API SQLStatisticsW(SQLHSTMT stmt, SQLWCHAR* catalog,
                                                  SQLSMALLINT catalog_length, SQLWCHAR* schema,
                                                  SQLSMALLINT schema_length, SQLWCHAR* table,
                                                  SQLSMALLINT table_length, SQLUSMALLINT unique,
                                                  SQLUSMALLINT reserved) {
    const InText args[] = {InText::of(catalog, catalog_length), InText::of(schema, schema_length),
                           InText::of(table, table_length)};
    return with<Statement>(stmt, [&](Statement& s) {
        return s.catalog(Statement::Catalog::Statistics, args, 3, unique, reserved);
    });
}

ODBCRETRY_EXPORT SQLRETURN SQL_API SQLPrimaryKeys(SQLHSTMT stmt, SQLCHAR* catalog,
                                                  SQLSMALLINT catalog_length, SQLCHAR* schema,
                                                  SQLSMALLINT schema_length, SQLCHAR* table,
                                                  SQLSMALLINT table_length) {
    const InText args[] = {InText::narrow(catalog, catalog_length),
                           InText::narrow(schema, schema_length),
                           InText::narrow(table, table_length)};
    return with<Statement>(
        stmt, [&](Statement& s) { return s.catalog(Statement::Catalog::PrimaryKeys, args, 3); });
}

ODBCRETRY_EXPORT SQLRETURN SQL_API SQLPrimaryKeysW(SQLHSTMT stmt, SQLWCHAR* catalog,
                                                   SQLSMALLINT catalog_length, SQLWCHAR* schema,
                                                   SQLSMALLINT schema_length, SQLWCHAR* table,
                                                   SQLSMALLINT table_length) {
    const InText args[] = {InText::of(catalog, catalog_length), InText::of(schema, schema_length),
                           InText::of(table, table_length)};
    return with<Statement>(
        stmt, [&](Statement& s) { return s.catalog(Statement::Catalog::PrimaryKeys, args, 3); });
}

ODBCRETRY_EXPORT SQLRETURN SQL_API SQLForeignKeys(SQLHSTMT stmt, SQLCHAR* pk_catalog,
                                                  SQLSMALLINT pk_catalog_length, SQLCHAR* pk_schema,
                                                  SQLSMALLINT pk_schema_length, SQLCHAR* pk_table,
                                                  SQLSMALLINT pk_table_length, SQLCHAR* fk_catalog,
                                                  SQLSMALLINT fk_catalog_length, SQLCHAR* fk_schema,
                                                  SQLSMALLINT fk_schema_length, SQLCHAR* fk_table,
                                                  SQLSMALLINT fk_table_length) {
    const InText args[] = {InText::narrow(pk_catalog, pk_catalog_length),
                           InText::narrow(pk_schema, pk_schema_length),
                           InText::narrow(pk_table, pk_table_length),
                           InText::narrow(fk_catalog, fk_catalog_length),
                           InText::narrow(fk_schema, fk_schema_length),
                           InText::narrow(fk_table, fk_table_length)};
    return with<Statement>(
        stmt, [&](Statement& s) { return s.catalog(Statement::Catalog::ForeignKeys, args, 6); });
}

ODBCRETRY_EXPORT SQLRETURN SQL_API SQLForeignKeysW(
    SQLHSTMT stmt, SQLWCHAR* pk_catalog, SQLSMALLINT pk_catalog_length, SQLWCHAR* pk_schema,
    SQLSMALLINT pk_schema_length, SQLWCHAR* pk_table, SQLSMALLINT pk_table_length,
    SQLWCHAR* fk_catalog, SQLSMALLINT fk_catalog_length, SQLWCHAR* fk_schema,
    SQLSMALLINT fk_schema_length, SQLWCHAR* fk_table, SQLSMALLINT fk_table_length) {
    const InText args[] = {
        InText::of(pk_catalog, pk_catalog_length), InText::of(pk_schema, pk_schema_length),
        InText::of(pk_table, pk_table_length),     InText::of(fk_catalog, fk_catalog_length),
        InText::of(fk_schema, fk_schema_length),   InText::of(fk_table, fk_table_length)};
    return with<Statement>(
        stmt, [&](Statement& s) { return s.catalog(Statement::Catalog::ForeignKeys, args, 6); });
}

ODBCRETRY_EXPORT SQLRETURN SQL_API SQLProcedures(SQLHSTMT stmt, SQLCHAR* catalog,
                                                 SQLSMALLINT catalog_length, SQLCHAR* schema,
                                                 SQLSMALLINT schema_length, SQLCHAR* procedure,
                                                 SQLSMALLINT procedure_length) {
    const InText args[] = {InText::narrow(catalog, catalog_length),
                           InText::narrow(schema, schema_length),
                           InText::narrow(procedure, procedure_length)};
    return with<Statement>(
        stmt, [&](Statement& s) { return s.catalog(Statement::Catalog::Procedures, args, 3); });
}

ODBCRETRY_EXPORT SQLRETURN SQL_API SQLProceduresW(SQLHSTMT stmt, SQLWCHAR* catalog,
                                                  SQLSMALLINT catalog_length, SQLWCHAR* schema,
                                                  SQLSMALLINT schema_length, SQLWCHAR* procedure,
                                                  SQLSMALLINT procedure_length) {
    const InText args[] = {InText::of(catalog, catalog_length), InText::of(schema, schema_length),
                           InText::of(procedure, procedure_length)};
    return with<Statement>(
        stmt, [&](Statement& s) { return s.catalog(Statement::Catalog::Procedures, args, 3); });
}

ODBCRETRY_EXPORT SQLRETURN SQL_API SQLProcedureColumns(SQLHSTMT stmt, SQLCHAR* catalog,
                                                       SQLSMALLINT catalog_length, SQLCHAR* schema,
                                                       SQLSMALLINT schema_length,
                                                       SQLCHAR* procedure,
                                                       SQLSMALLINT procedure_length,
                                                       SQLCHAR* column, SQLSMALLINT column_length) {
    const InText args[] = {
        InText::narrow(catalog, catalog_length), InText::narrow(schema, schema_length),
        InText::narrow(procedure, procedure_length), InText::narrow(column, column_length)};
    return with<Statement>(stmt, [&](Statement& s) {
        return s.catalog(Statement::Catalog::ProcedureColumns, args, 4);
    });
}

ODBCRETRY_EXPORT SQLRETURN SQL_API
SQLProcedureColumnsW(SQLHSTMT stmt, SQLWCHAR* catalog, SQLSMALLINT catalog_length, SQLWCHAR* schema,
                     SQLSMALLINT schema_length, SQLWCHAR* procedure, SQLSMALLINT procedure_length,
                     SQLWCHAR* column, SQLSMALLINT column_length) {
    const InText args[] = {InText::of(catalog, catalog_length), InText::of(schema, schema_length),
                           InText::of(procedure, procedure_length),
                           InText::of(column, column_length)};
    return with<Statement>(stmt, [&](Statement& s) {
        return s.catalog(Statement::Catalog::ProcedureColumns, args, 4);
    });
}

ODBCRETRY_EXPORT SQLRETURN SQL_API SQLTablePrivileges(SQLHSTMT stmt, SQLCHAR* catalog,
                                                      SQLSMALLINT catalog_length, SQLCHAR* schema,
                                                      SQLSMALLINT schema_length, SQLCHAR* table,
                                                      SQLSMALLINT table_length) {
    const InText args[] = {InText::narrow(catalog, catalog_length),
                           InText::narrow(schema, schema_length),
                           InText::narrow(table, table_length)};
    return with<Statement>(stmt, [&](Statement& s) {
        return s.catalog(Statement::Catalog::TablePrivileges, args, 3);
    });
}

ODBCRETRY_EXPORT SQLRETURN SQL_API SQLTablePrivilegesW(SQLHSTMT stmt, SQLWCHAR* catalog,
                                                       SQLSMALLINT catalog_length, SQLWCHAR* schema,
                                                       SQLSMALLINT schema_length, SQLWCHAR* table,
                                                       SQLSMALLINT table_length) {
    const InText args[] = {InText::of(catalog, catalog_length), InText::of(schema, schema_length),
                           InText::of(table, table_length)};
    return with<Statement>(stmt, [&](Statement& s) {
        return s.catalog(Statement::Catalog::TablePrivileges, args, 3);
    });
}

ODBCRETRY_EXPORT SQLRETURN SQL_API SQLColumnPrivileges(SQLHSTMT stmt, SQLCHAR* catalog,
                                                       SQLSMALLINT catalog_length, SQLCHAR* schema,
                                                       SQLSMALLINT schema_length, SQLCHAR* table,
                                                       SQLSMALLINT table_length, SQLCHAR* column,
                                                       SQLSMALLINT column_length) {
    const InText args[] = {
        InText::narrow(catalog, catalog_length), InText::narrow(schema, schema_length),
        InText::narrow(table, table_length), InText::narrow(column, column_length)};
    return with<Statement>(stmt, [&](Statement& s) {
        return s.catalog(Statement::Catalog::ColumnPrivileges, args, 4);
    });
}

ODBCRETRY_EXPORT SQLRETURN SQL_API SQLColumnPrivilegesW(SQLHSTMT stmt, SQLWCHAR* catalog,
                                                        SQLSMALLINT catalog_length,
                                                        SQLWCHAR* schema, SQLSMALLINT schema_length,
                                                        SQLWCHAR* table, SQLSMALLINT table_length,
                                                        SQLWCHAR* column,
                                                        SQLSMALLINT column_length) {
    const InText args[] = {InText::of(catalog, catalog_length), InText::of(schema, schema_length),
                           InText::of(table, table_length), InText::of(column, column_length)};
    return with<Statement>(stmt, [&](Statement& s) {
        return s.catalog(Statement::Catalog::ColumnPrivileges, args, 4);
    });
}

ODBCRETRY_EXPORT SQLRETURN SQL_API SQLSpecialColumns(SQLHSTMT stmt, SQLUSMALLINT identifier_type,
                                                     SQLCHAR* catalog, SQLSMALLINT catalog_length,
                                                     SQLCHAR* schema, SQLSMALLINT schema_length,
                                                     SQLCHAR* table, SQLSMALLINT table_length,
                                                     SQLUSMALLINT scope, SQLUSMALLINT nullable) {
    const InText args[] = {InText::narrow(catalog, catalog_length),
                           InText::narrow(schema, schema_length),
                           InText::narrow(table, table_length)};
    return with<Statement>(stmt, [&](Statement& s) {
        return s.catalog(Statement::Catalog::SpecialColumns, args, 3, identifier_type, scope,
                         nullable);
    });
}

ODBCRETRY_EXPORT SQLRETURN SQL_API SQLSpecialColumnsW(SQLHSTMT stmt, SQLUSMALLINT identifier_type,
                                                      SQLWCHAR* catalog, SQLSMALLINT catalog_length,
                                                      SQLWCHAR* schema, SQLSMALLINT schema_length,
                                                      SQLWCHAR* table, SQLSMALLINT table_length,
                                                      SQLUSMALLINT scope, SQLUSMALLINT nullable) {
    const InText args[] = {InText::of(catalog, catalog_length), InText::of(schema, schema_length),
                           InText::of(table, table_length)};
    return with<Statement>(stmt, [&](Statement& s) {
        return s.catalog(Statement::Catalog::SpecialColumns, args, 3, identifier_type, scope,
                         nullable);
    });
}
