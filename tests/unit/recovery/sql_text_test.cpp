// SPDX-License-Identifier: Apache-2.0
// The small facts about SQL text that retry and replay decisions rest on
// (shim/recovery/sql_text.h): is_single_statement (a multi-statement batch is never retried),
// classify_statement (only reads are replayed in autocommit) and session_effects (SET journaled;
// temporary tables and session locks make a transparent replay impossible).
#include <gtest/gtest.h>

#include <ostream>
#include <string>

#include "shim/recovery/sql_text.h"

namespace odbcretry {

// Readable failures: gtest finds this by argument-dependent lookup.
[[maybe_unused]] static void PrintTo(StatementKind kind, std::ostream* os) {
    switch (kind) {
        case StatementKind::Read:
            *os << "Read";
            return;
        case StatementKind::SessionSet:
            *os << "SessionSet";
            return;
        case StatementKind::Write:
            *os << "Write";
            return;
        case StatementKind::Unknown:
            *os << "Unknown";
            return;
    }
    *os << "StatementKind(" << static_cast<int>(kind) << ")";
}

namespace {

// ---- is_single_statement
// -------------------------------------------------------------------------

TEST(IsSingleStatement, OneStatement) {
    EXPECT_TRUE(is_single_statement("SELECT 1"));
    EXPECT_TRUE(is_single_statement("INSERT INTO t VALUES (1)"));
    EXPECT_TRUE(is_single_statement(""));
    EXPECT_TRUE(is_single_statement("   "));
}

TEST(IsSingleStatement, TrailingSemicolonAndWhitespace) {
    EXPECT_TRUE(is_single_statement("SELECT 1;"));
    EXPECT_TRUE(is_single_statement("SELECT 1 ;  \n\t"));
    EXPECT_TRUE(is_single_statement("SELECT 1;;"));
    EXPECT_TRUE(is_single_statement("SELECT 1; -- done"));
    EXPECT_TRUE(is_single_statement("SELECT 1;\n/* done */\n"));
}

TEST(IsSingleStatement, SeveralStatements) {
    EXPECT_FALSE(is_single_statement("SELECT 1; SELECT 2"));
    EXPECT_FALSE(is_single_statement("SELECT 1;SELECT 2;"));
    EXPECT_FALSE(is_single_statement("INSERT INTO t VALUES (1);\nDELETE FROM t"));
    EXPECT_FALSE(is_single_statement("SELECT ';'; SELECT 2"));
    EXPECT_FALSE(is_single_statement("SELECT 1; /* c */ SELECT 2"));
}

TEST(IsSingleStatement, SemicolonsInQuotes) {
    EXPECT_TRUE(is_single_statement("SELECT ';'"));
    EXPECT_TRUE(is_single_statement("SELECT 'it''s; fine'"));
    EXPECT_TRUE(is_single_statement("SELECT \"odd;name\" FROM t"));
    EXPECT_TRUE(is_single_statement("SELECT `odd;name` FROM t"));
    EXPECT_TRUE(is_single_statement("SELECT 'a\\'; b'", SqlDialect::MySql));  // MySQL escape
}

TEST(IsSingleStatement, SemicolonsInComments) {
    EXPECT_TRUE(is_single_statement("SELECT 1 -- ; SELECT 2"));
    EXPECT_TRUE(is_single_statement("SELECT 1 /* ; SELECT 2 */"));
    EXPECT_TRUE(is_single_statement("/* ; */ SELECT 1"));
    EXPECT_FALSE(is_single_statement("SELECT 1 -- ;\n; SELECT 2"));
}

TEST(IsSingleStatement, DollarQuoting) {
    EXPECT_TRUE(is_single_statement("SELECT $$a;b$$"));
    EXPECT_TRUE(is_single_statement("SELECT $tag$ ; $$ ; $tag$"));
    EXPECT_TRUE(
        is_single_statement("CREATE FUNCTION f() RETURNS int AS $body$ BEGIN PERFORM 1; RETURN 2; "
                            "END $body$ LANGUAGE plpgsql;"));
    EXPECT_FALSE(is_single_statement("SELECT $$a;b$$; SELECT 2"));
    // $1 is a parameter, not a dollar quote.
    EXPECT_FALSE(is_single_statement("SELECT $1; SELECT $2"));
}

TEST(IsSingleStatement, DollarInsideAnIdentifierIsNotAQuote) {
    // PostgreSQL identifiers may contain '$' (not as their first character); a dollar quote
    // only starts a token. Taking "$b$" for a quote would hide the DELETE.
    EXPECT_FALSE(is_single_statement("SELECT a$b$c FROM t; DELETE FROM t"));
}

// ---- classify_statement
// ---------------------------------------------------------------------------

TEST(ClassifyStatement, Reads) {
    EXPECT_EQ(StatementKind::Read, classify_statement("SELECT 1"));
    EXPECT_EQ(StatementKind::Read, classify_statement("select * from t where v > 2 order by v"));
    EXPECT_EQ(StatementKind::Read, classify_statement("VALUES (1), (2)"));
    EXPECT_EQ(StatementKind::Read, classify_statement("TABLE t"));
    EXPECT_EQ(StatementKind::Read, classify_statement("SHOW search_path"));
    EXPECT_EQ(StatementKind::Read, classify_statement("show variables like 'x%'"));
    EXPECT_EQ(StatementKind::Read, classify_statement("DESCRIBE t"));
    EXPECT_EQ(StatementKind::Read, classify_statement("(SELECT 1) UNION (SELECT 2)"));
    // A batch is never a read (ClassifyStatement.ABatchIsNeverAReadOrASetting).
}

TEST(ClassifyStatement, CommentsAndSpaceBeforeTheKeyword) {
    EXPECT_EQ(StatementKind::Read, classify_statement("  \n\tSELECT 1"));
    EXPECT_EQ(StatementKind::Read, classify_statement("/* app=report */ SELECT 1"));
    EXPECT_EQ(StatementKind::Read, classify_statement("-- report\nSELECT 1"));
    EXPECT_EQ(StatementKind::Write, classify_statement("/* SELECT */ DELETE FROM t"));
    EXPECT_EQ(StatementKind::Write, classify_statement("-- SELECT\nINSERT INTO t VALUES (1)"));
}

TEST(ClassifyStatement, WritingWordsInQuotesOrCommentsOrNamesDoNotCount) {
    EXPECT_EQ(StatementKind::Read, classify_statement("SELECT 'INSERT INTO t' AS x"));
    EXPECT_EQ(StatementKind::Read, classify_statement("SELECT \"into\", `update` FROM t"));
    EXPECT_EQ(StatementKind::Read, classify_statement("SELECT 1 /* DELETE */ -- UPDATE"));
    EXPECT_EQ(StatementKind::Read, classify_statement("SELECT insert_date, updated_by FROM t"));
    EXPECT_EQ(StatementKind::Read, classify_statement("SELECT $$DELETE FROM t$$"));
    EXPECT_EQ(StatementKind::Read, classify_statement("SELECT * FROM t WHERE note = 'for update'"));
}

TEST(ClassifyStatement, WithSelectIsARead) {
    EXPECT_EQ(StatementKind::Read, classify_statement("WITH x AS (SELECT 1 AS a) SELECT a FROM x"));
    EXPECT_EQ(StatementKind::Read,
              classify_statement(
                  "with recursive r(n) as (select 1 union all select n + 1 from r where n < 5) "
                  "select * from r"));
}

TEST(ClassifyStatement, WithDataChangingClauseIsAWrite) {
    EXPECT_EQ(
        StatementKind::Write,
        classify_statement("WITH x AS (INSERT INTO t VALUES (1) RETURNING v) SELECT * FROM x"));
    EXPECT_EQ(StatementKind::Write,
              classify_statement("WITH x AS (DELETE FROM t RETURNING v) SELECT * FROM x"));
    EXPECT_EQ(
        StatementKind::Write,
        classify_statement("with x as (update t set v = 2 returning v) select count(*) from x"));
    EXPECT_EQ(StatementKind::Write,
              classify_statement("WITH s AS (SELECT 1 AS a) INSERT INTO t SELECT a FROM s"));
}

TEST(ClassifyStatement, SelectThatLocksOrWritesIsAWrite) {
    EXPECT_EQ(StatementKind::Write, classify_statement("SELECT * FROM t FOR UPDATE"));
    EXPECT_EQ(StatementKind::Write,
              classify_statement("select * from t where v = 1 for share skip locked"));
    EXPECT_EQ(StatementKind::Write, classify_statement("SELECT * FROM t LOCK IN SHARE MODE"));
    EXPECT_EQ(StatementKind::Write, classify_statement("SELECT v INTO newtable FROM t"));
    EXPECT_EQ(StatementKind::Write, classify_statement("SELECT * INTO OUTFILE '/tmp/x' FROM t"));
    EXPECT_EQ(StatementKind::Write, classify_statement("SELECT nextval('s')"));
    EXPECT_EQ(StatementKind::Write, classify_statement("SELECT setval('s', 10)"));
    EXPECT_EQ(StatementKind::Write, classify_statement("VALUES (nextval('s'))"));
    EXPECT_EQ(StatementKind::Write, classify_statement("SELECT 1; DELETE FROM t"));
}

TEST(ClassifyStatement, ExplainAndExplainAnalyze) {
    EXPECT_EQ(StatementKind::Read, classify_statement("EXPLAIN SELECT * FROM t"));
    EXPECT_EQ(StatementKind::Read,
              classify_statement("explain delete from t"));  // planned, not run
    EXPECT_EQ(StatementKind::Write, classify_statement("EXPLAIN ANALYZE DELETE FROM t"));
    EXPECT_EQ(StatementKind::Write, classify_statement("explain analyse select 1"));
    EXPECT_EQ(StatementKind::Write, classify_statement("EXPLAIN (ANALYZE) DELETE FROM t"));
}

TEST(ClassifyStatement, ExplainWithAnalyzeInTheOptionList) {
    // PostgreSQL's option list may name ANALYZE anywhere: the statement then runs.
    EXPECT_EQ(StatementKind::Write,
              classify_statement("EXPLAIN (FORMAT JSON, ANALYZE) DELETE FROM t"));
    EXPECT_EQ(StatementKind::Write,
              classify_statement("EXPLAIN (VERBOSE, ANALYZE true) INSERT INTO t VALUES (1)"));
}

TEST(ClassifyStatement, SetAndSetTransaction) {
    EXPECT_EQ(StatementKind::SessionSet, classify_statement("SET search_path = public"));
    EXPECT_EQ(StatementKind::SessionSet, classify_statement("set names utf8mb4"));
    EXPECT_EQ(StatementKind::SessionSet, classify_statement("SET statement_timeout TO 1000"));
    EXPECT_EQ(StatementKind::Write,
              classify_statement("SET TRANSACTION ISOLATION LEVEL SERIALIZABLE"));
    EXPECT_EQ(StatementKind::Write, classify_statement("set transaction read only"));
    EXPECT_EQ(StatementKind::Write, classify_statement("SET CONSTRAINTS ALL DEFERRED"));
}

TEST(ClassifyStatement, Writes) {
    for (const char* sql :
         {"INSERT INTO t VALUES (1)", "update t set v = 1", "DELETE FROM t",
          "MERGE INTO t USING s ON true", "REPLACE INTO t VALUES (1)", "CALL p()",
          "CREATE TABLE x (a int)", "DROP TABLE x", "TRUNCATE t", "BEGIN", "COMMIT", "LOCK TABLE t",
          "COPY t FROM STDIN", "ANALYZE SELECT 1", "DO $$ BEGIN END $$"})
        EXPECT_EQ(StatementKind::Write, classify_statement(sql)) << sql;
}

TEST(ClassifyStatement, NothingToClassify) {
    EXPECT_EQ(StatementKind::Unknown, classify_statement(""));
    EXPECT_EQ(StatementKind::Unknown, classify_statement("   \n"));
    EXPECT_EQ(StatementKind::Unknown, classify_statement("-- only a comment"));
    EXPECT_EQ(StatementKind::Unknown, classify_statement("/* only a comment */"));
}

// ---- session_effects
// ------------------------------------------------------------------------------

TEST(SessionEffects, SetIsJournaled) {
    EXPECT_TRUE(session_effects("SET x = 1").session_set);
    EXPECT_TRUE(session_effects("  set search_path to public").session_set);
    EXPECT_TRUE(session_effects("SET\tNAMES utf8").session_set);
    EXPECT_FALSE(session_effects("SET x = 1").session_state);
    EXPECT_FALSE(session_effects("SET TRANSACTION ISOLATION LEVEL SERIALIZABLE").session_set);
    EXPECT_FALSE(session_effects("SETUP").session_set);
    EXPECT_FALSE(session_effects("SELECT 1").session_set);
    EXPECT_FALSE(session_effects("INSERT INTO settings VALUES ('SET x = 1')").session_set);
}

TEST(SessionEffects, SetAfterALeadingComment) {
    // As classify_statement does, a comment before the keyword does not hide it.
    EXPECT_TRUE(session_effects("/* app */ SET x = 1").session_set);
}

TEST(SessionEffects, TemporaryTables) {
    EXPECT_TRUE(session_effects("CREATE TEMP TABLE x (a int)").session_state);
    EXPECT_TRUE(session_effects("create temporary table x (a int)").session_state);
    EXPECT_TRUE(session_effects("CREATE GLOBAL TEMPORARY TABLE x (a int)").session_state);
    EXPECT_TRUE(session_effects("SELECT * INTO TEMP x FROM t").session_state);
    EXPECT_FALSE(session_effects("CREATE TABLE x (a int)").session_state);
}

TEST(SessionEffects, SessionLocks) {
    EXPECT_TRUE(session_effects("SELECT pg_advisory_lock(42)").session_state);
    EXPECT_TRUE(session_effects("select pg_advisory_lock_shared(42)").session_state);
    EXPECT_TRUE(session_effects("SELECT GET_LOCK('job', 10)").session_state);
    EXPECT_TRUE(session_effects("select get_lock('job', 10)").session_state);
    EXPECT_TRUE(session_effects("LOCK TABLE t IN EXCLUSIVE MODE").session_state);
    EXPECT_TRUE(session_effects("LOCK TABLES t WRITE").session_state);
    EXPECT_FALSE(session_effects("SELECT 1").session_state);
    EXPECT_FALSE(session_effects("SELECT release_all_locks_count FROM stats").session_state);
}

TEST(SessionEffects, TryAdvisoryLockIsASessionLock) {
    EXPECT_TRUE(session_effects("SELECT pg_try_advisory_lock(42)").session_state);
}

TEST(SessionEffects, ListenPrepareDeclare) {
    EXPECT_TRUE(session_effects("LISTEN jobs").session_state);
    EXPECT_TRUE(session_effects("PREPARE q AS SELECT 1").session_state);
    EXPECT_TRUE(session_effects("DECLARE c CURSOR WITH HOLD FOR SELECT 1").session_state);
}

TEST(SessionEffects, WordsThatOnlyLookLikeMarkers) {
    // A column called "temp" or a string that mentions a temporary table creates no state; a
    // false positive here would refuse every later replay on the connection.
    EXPECT_FALSE(session_effects("SELECT temp FROM readings").session_state);
    EXPECT_FALSE(session_effects("SELECT 'TEMPORARY' AS label").session_state);
    EXPECT_FALSE(session_effects("SELECT * FROM temperatures").session_state);
}

// ---- dialects, batches, transactions ---------------------------------------------------------

TEST(SqlDialects, BackslashEndsAStandardString) {
    // PostgreSQL's standard strings: 'C:\' ends at its quote; E'...' strings escape.
    EXPECT_FALSE(is_single_statement("SELECT 'C:\\'; DELETE FROM t", SqlDialect::Postgres));
    EXPECT_TRUE(is_single_statement("SELECT E'a\\'; b'", SqlDialect::Postgres));
    EXPECT_FALSE(is_single_statement("SELECT 'C:\\'; DELETE FROM t", SqlDialect::Generic));
    EXPECT_TRUE(is_single_statement("SELECT 'a\\'; b'", SqlDialect::MySql));
    EXPECT_EQ(StatementKind::Write,
              classify_statement("SELECT 'C:\\'; DELETE FROM t", SqlDialect::Postgres));
}

TEST(ClassifyStatement, ABatchIsNeverAReadOrASetting) {
    EXPECT_EQ(StatementKind::Write, classify_statement("SELECT 1; SELECT 2"));
    EXPECT_EQ(StatementKind::Write,
              classify_statement("SET search_path = public; INSERT INTO t VALUES (7)"));
    EXPECT_EQ(StatementKind::SessionSet, classify_statement("SET search_path = public;"));
    EXPECT_EQ(StatementKind::Write, classify_statement("SET GLOBAL max_connections = 10"));
    EXPECT_EQ(StatementKind::Write, classify_statement("SET autocommit = 0"));
}

TEST(SessionEffects, ASetInABatchMakesTheSessionUnrebuildable) {
    auto e = session_effects("SET search_path = public; INSERT INTO t VALUES (7)");
    EXPECT_FALSE(e.session_set);
    EXPECT_TRUE(e.session_state);
    EXPECT_TRUE(e.batch);
    EXPECT_TRUE(e.work);
    EXPECT_FALSE(session_effects("SELECT 1; SELECT 2").session_state);
}

TEST(SessionEffects, SetsThatAreNeverJournaled) {
    for (const char* sql :
         {"SET GLOBAL x = 1", "SET PERSIST x = 1", "SET PASSWORD = 'p'",
          "SET LOCAL work_mem = '1MB'", "SET @@global.x = 1", "SET TRANSACTION READ ONLY"}) {
        EXPECT_FALSE(session_effects(sql).session_set) << sql;
        EXPECT_FALSE(session_effects(sql).session_state) << sql;
    }
    for (const char* sql : {"SET autocommit = 0", "SET SESSION autocommit = 0",
                            "SET @@session.autocommit = 0", "SET IMPLICIT_TRANSACTIONS ON"}) {
        EXPECT_FALSE(session_effects(sql).session_set) << sql;
        EXPECT_TRUE(session_effects(sql).session_state) << sql;
    }
    EXPECT_TRUE(session_effects("SET SESSION max_sort_length = 1234").session_set);
    EXPECT_TRUE(session_effects("SET ROLE app").session_set);
}

TEST(SessionSetKey, ByNameSoALaterSetReplacesIt) {
    EXPECT_EQ("search_path", session_set_key("SET search_path = public"));
    EXPECT_EQ("search_path", session_set_key("  set Search_Path TO x"));
    EXPECT_EQ("max_sort_length", session_set_key("SET SESSION max_sort_length = 1"));
    EXPECT_EQ("x", session_set_key("SET @@session.x = 1"));
    EXPECT_EQ("role", session_set_key("/* c */ SET ROLE app"));
    // Several settings at once: the whole text.
    EXPECT_EQ("SET a = 1, b = 2", session_set_key("SET a = 1, b = 2"));
    EXPECT_EQ("x", session_set_key("SET x = f(1, 2)"));
    EXPECT_EQ("", session_set_key("SELECT 1"));
}

TEST(SessionEffects, OnlyARealEndEndsTheTransaction) {
    for (const char* sql : {"COMMIT", "commit work", "ROLLBACK", "ROLLBACK AND NO CHAIN", "END",
                            "ABORT", "INSERT INTO t VALUES (1); COMMIT"}) {
        EXPECT_TRUE(session_effects(sql).transaction_end) << sql;
        EXPECT_FALSE(session_effects(sql).work) << sql;
    }
    EXPECT_TRUE(session_effects("ROLLBACK").transaction_rollback);
    EXPECT_FALSE(session_effects("COMMIT").transaction_rollback);
    for (const char* sql : {"ROLLBACK TO SAVEPOINT s", "rollback to s", "ROLLBACK WORK TO s",
                            "SAVEPOINT s", "RELEASE SAVEPOINT s", "COMMIT PREPARED 'x'"}) {
        EXPECT_FALSE(session_effects(sql).transaction_end) << sql;
        EXPECT_FALSE(session_effects(sql).transaction_begin) << sql;
        EXPECT_TRUE(session_effects(sql).work) << sql;
    }
    EXPECT_TRUE(session_effects("ROLLBACK TO SAVEPOINT s").savepoint_rollback);
}

TEST(SessionEffects, BeginOpensATransactionButBeginTryDoesNot) {
    for (const char* sql : {"BEGIN", "begin;", "BEGIN WORK", "BEGIN TRANSACTION", "BEGIN TRAN",
                            "BEGIN ISOLATION LEVEL SERIALIZABLE", "START TRANSACTION",
                            "START TRANSACTION READ ONLY"}) {
        EXPECT_TRUE(session_effects(sql).transaction_begin) << sql;
        EXPECT_FALSE(session_effects(sql).work) << sql;
    }
    for (const char* sql : {"BEGIN TRY SELECT 1 END TRY", "BEGIN CATCH", "START SLAVE"})
        EXPECT_FALSE(session_effects(sql).transaction_begin) << sql;
    auto e = session_effects("BEGIN; INSERT INTO t VALUES (1)");
    EXPECT_TRUE(e.transaction_begin);
    EXPECT_TRUE(e.work);
}

}  // namespace
}  // namespace odbcretry
