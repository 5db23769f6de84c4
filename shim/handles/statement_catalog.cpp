// SPDX-License-Identifier: Apache-2.0
// Catalog functions (SQLTables, SQLColumns, ...): the application's A or W form when the target
// has it, else every text argument converted to the other form.
#include "shim/target_driver/convert.h"
#include "shim/handles/handles.h"

namespace odbcretry {

SQLRETURN Statement::catalog(Catalog id, const InText* args, int count, SQLUSMALLINT x,
                             SQLUSMALLINT y, SQLUSMALLINT z) {
    bool wide = count > 0 && args[0].wide;
    // Use the application's form when the target has it, else convert every argument.
    auto has = [&](auto fa, auto fw) { return wide ? fw != nullptr : fa != nullptr; };
    bool direct;
    SQLUSMALLINT function = 0;
    switch (id) {
        case Catalog::Tables:
            direct = has(api_->SQLTables, api_->SQLTablesW);
            function = SQL_API_SQLTABLES;
            break;
        case Catalog::Columns:
            direct = has(api_->SQLColumns, api_->SQLColumnsW);
            function = SQL_API_SQLCOLUMNS;
            break;
        case Catalog::Statistics:
            direct = has(api_->SQLStatistics, api_->SQLStatisticsW);
            function = SQL_API_SQLSTATISTICS;
            break;
        case Catalog::SpecialColumns:
            direct = has(api_->SQLSpecialColumns, api_->SQLSpecialColumnsW);
            function = SQL_API_SQLSPECIALCOLUMNS;
            break;
        case Catalog::PrimaryKeys:
            direct = has(api_->SQLPrimaryKeys, api_->SQLPrimaryKeysW);
            function = SQL_API_SQLPRIMARYKEYS;
            break;
        case Catalog::ForeignKeys:
            direct = has(api_->SQLForeignKeys, api_->SQLForeignKeysW);
            function = SQL_API_SQLFOREIGNKEYS;
            break;
        case Catalog::Procedures:
            direct = has(api_->SQLProcedures, api_->SQLProceduresW);
            function = SQL_API_SQLPROCEDURES;
            break;
        case Catalog::ProcedureColumns:
            direct = has(api_->SQLProcedureColumns, api_->SQLProcedureColumnsW);
            function = SQL_API_SQLPROCEDURECOLUMNS;
            break;
        case Catalog::TablePrivileges:
            direct = has(api_->SQLTablePrivileges, api_->SQLTablePrivilegesW);
            function = SQL_API_SQLTABLEPRIVILEGES;
            break;
        case Catalog::ColumnPrivileges:
            direct = has(api_->SQLColumnPrivileges, api_->SQLColumnPrivilegesW);
            function = SQL_API_SQLCOLUMNPRIVILEGES;
            break;
        default:
            direct = false;
    }
    // Converting to the other form is for a target that lacks one form, not for a function the
    // target's SQLGetFunctions denies (the driver manager refuses the A form of those too).
    if (!direct && function != 0 && !connection_->target_supports(function))
        return unsupported(Op::Catalog);
    bool call_wide = direct ? wide : !wide;
    ConvertedText converted[6];
    SQLCHAR* na[6] = {};
    SQLWCHAR* wa[6] = {};
    SQLSMALLINT len[6] = {};
    for (int i = 0; i < count && i < 6; ++i) {
        if (direct) {
            na[i] = const_cast<SQLCHAR*>(args[i].a());
            wa[i] = const_cast<SQLWCHAR*>(args[i].w());
            len[i] = static_cast<SQLSMALLINT>(args[i].length);
        } else {
            converted[i] = ConvertedText::from(args[i], call_wide);
            na[i] = converted[i].a();
            wa[i] = converted[i].w();
            len[i] = static_cast<SQLSMALLINT>(converted[i].length);
        }
    }
    // Both forms take the same argument list apart from the character type; the casts pick it.
    auto A = [&](int i) { return na[i]; };
    auto W = [&](int i) { return wa[i]; };
    auto call = [&]() -> SQLRETURN {
        SQLRETURN rc = kCannotReissue;
        switch (id) {
            case Catalog::Tables:
                if (call_wide) {
                    if (!api_->SQLTablesW) return unsupported(Op::Catalog);
                    rc = api_->SQLTablesW(target_, W(0), len[0], W(1), len[1], W(2), len[2], W(3),
                                          len[3]);
                } else {
                    if (!api_->SQLTables) return unsupported(Op::Catalog);
                    rc = api_->SQLTables(target_, A(0), len[0], A(1), len[1], A(2), len[2], A(3),
                                         len[3]);
                }
                break;
            case Catalog::Columns:
                if (call_wide) {
                    if (!api_->SQLColumnsW) return unsupported(Op::Catalog);
                    rc = api_->SQLColumnsW(target_, W(0), len[0], W(1), len[1], W(2), len[2], W(3),
                                           len[3]);
                } else {
                    if (!api_->SQLColumns) return unsupported(Op::Catalog);
                    rc = api_->SQLColumns(target_, A(0), len[0], A(1), len[1], A(2), len[2], A(3),
                                          len[3]);
                }
                break;
            case Catalog::Statistics:
                if (call_wide) {
                    if (!api_->SQLStatisticsW) return unsupported(Op::Catalog);
                    rc = api_->SQLStatisticsW(target_, W(0), len[0], W(1), len[1], W(2), len[2], x,
                                              y);
                } else {
                    if (!api_->SQLStatistics) return unsupported(Op::Catalog);
                    rc = api_->SQLStatistics(target_, A(0), len[0], A(1), len[1], A(2), len[2], x,
                                             y);
                }
                break;
            case Catalog::SpecialColumns:
                if (call_wide) {
                    if (!api_->SQLSpecialColumnsW) return unsupported(Op::Catalog);
                    rc = api_->SQLSpecialColumnsW(target_, x, W(0), len[0], W(1), len[1], W(2),
                                                  len[2], y, z);
                } else {
                    if (!api_->SQLSpecialColumns) return unsupported(Op::Catalog);
                    rc = api_->SQLSpecialColumns(target_, x, A(0), len[0], A(1), len[1], A(2),
                                                 len[2], y, z);
                }
                break;
            case Catalog::PrimaryKeys:
                if (call_wide) {
                    if (!api_->SQLPrimaryKeysW) return unsupported(Op::Catalog);
                    rc = api_->SQLPrimaryKeysW(target_, W(0), len[0], W(1), len[1], W(2), len[2]);
                } else {
                    if (!api_->SQLPrimaryKeys) return unsupported(Op::Catalog);
                    rc = api_->SQLPrimaryKeys(target_, A(0), len[0], A(1), len[1], A(2), len[2]);
                }
                break;
            case Catalog::ForeignKeys:
                if (call_wide) {
                    if (!api_->SQLForeignKeysW) return unsupported(Op::Catalog);
                    rc = api_->SQLForeignKeysW(target_, W(0), len[0], W(1), len[1], W(2), len[2],
                                               W(3), len[3], W(4), len[4], W(5), len[5]);
                } else {
                    if (!api_->SQLForeignKeys) return unsupported(Op::Catalog);
                    rc = api_->SQLForeignKeys(target_, A(0), len[0], A(1), len[1], A(2), len[2],
                                              A(3), len[3], A(4), len[4], A(5), len[5]);
                }
                break;
            case Catalog::Procedures:
                if (call_wide) {
                    if (!api_->SQLProceduresW) return unsupported(Op::Catalog);
                    rc = api_->SQLProceduresW(target_, W(0), len[0], W(1), len[1], W(2), len[2]);
                } else {
                    if (!api_->SQLProcedures) return unsupported(Op::Catalog);
                    rc = api_->SQLProcedures(target_, A(0), len[0], A(1), len[1], A(2), len[2]);
                }
                break;
            case Catalog::ProcedureColumns:
                if (call_wide) {
                    if (!api_->SQLProcedureColumnsW) return unsupported(Op::Catalog);
                    rc = api_->SQLProcedureColumnsW(target_, W(0), len[0], W(1), len[1], W(2),
                                                    len[2], W(3), len[3]);
                } else {
                    if (!api_->SQLProcedureColumns) return unsupported(Op::Catalog);
                    rc = api_->SQLProcedureColumns(target_, A(0), len[0], A(1), len[1], A(2),
                                                   len[2], A(3), len[3]);
                }
                break;
            case Catalog::TablePrivileges:
                if (call_wide) {
                    if (!api_->SQLTablePrivilegesW) return unsupported(Op::Catalog);
                    rc = api_->SQLTablePrivilegesW(target_, W(0), len[0], W(1), len[1], W(2),
                                                   len[2]);
                } else {
                    if (!api_->SQLTablePrivileges) return unsupported(Op::Catalog);
                    rc =
                        api_->SQLTablePrivileges(target_, A(0), len[0], A(1), len[1], A(2), len[2]);
                }
                break;
            case Catalog::ColumnPrivileges:
                if (call_wide) {
                    if (!api_->SQLColumnPrivilegesW) return unsupported(Op::Catalog);
                    rc = api_->SQLColumnPrivilegesW(target_, W(0), len[0], W(1), len[1], W(2),
                                                    len[2], W(3), len[3]);
                } else {
                    if (!api_->SQLColumnPrivileges) return unsupported(Op::Catalog);
                    rc = api_->SQLColumnPrivileges(target_, A(0), len[0], A(1), len[1], A(2),
                                                   len[2], A(3), len[3]);
                }
                break;
        }
        return rc;
    };
    SQLRETURN rc = call();
    if (rc != SQL_ERROR) return rc;
    return on_error(Op::Catalog, rc, call);
}

}  // namespace odbcretry
