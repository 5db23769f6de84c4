// SPDX-License-Identifier: Apache-2.0
// The retry engine with the real SQLite ODBC driver: a statement that finds the database locked
// ("database is locked", HY000 / 5) in autocommit did not run and is run again.
#include "retry_harness.h"

namespace ort_retry {
namespace {

using namespace std::chrono_literals;

TEST(RetrySqlite, LockedDatabaseStatementIsRetried) {
    ORT_REQUIRE_ENV();
    Workspace& w = Workspace::get();
    std::string db = w.path(w.unique("busy") + ".db");
    std::string direct = w.unique("sqlite_busy_direct");
    std::string retry = w.unique("sqlite_busy_retry");
    std::string log = w.path(retry + ".log");
    // Timeout: SQLite's own busy wait (ms) before it reports "database is locked".
    w.add_dsn(direct, {{"Driver", "SQLite3"}, {"Database", db}, {"Timeout", "100"}});
    KeyValues keys{{"Driver", "ODBC Retry"}, {"TargetDSN", direct}};
    for (auto& kv : log_keys(log)) keys.push_back(kv);
    w.add_dsn(retry, keys);

    Connection holder;
    ASSERT_TRUE(holder.connect("DSN=" + direct).ok());
    ASSERT_TRUE(holder.exec("CREATE TABLE t (v INTEGER)").ok());
    ExecResult begin = holder.exec("BEGIN EXCLUSIVE");
    ASSERT_TRUE(begin.ok()) << to_string(begin.diags);

    Connection c;
    ConnectResult r = c.connect("DSN=" + retry);
    ASSERT_TRUE(r.ok()) << to_string(r.diags);
    std::thread release([&] {
        std::this_thread::sleep_for(700ms);
        ExecResult commit = holder.exec("COMMIT");
        EXPECT_TRUE(commit.ok()) << to_string(commit.diags);
    });
    ExecResult insert = c.exec("INSERT INTO t VALUES (1)");
    release.join();
    std::string text = read_file(log);
    ASSERT_EQ(insert.rc, SQL_SUCCESS) << to_string(insert.diags) << text;
    EXPECT_GE(insert.elapsed, 600ms) << "it waited for the lock";
    auto retries = retry_lines(text);
    ASSERT_GE(retries.size(), 1u) << text;
    EXPECT_TRUE(contains(retries[0], "execdirect attempt 1/")) << retries[0];
    EXPECT_TRUE(contains(retries[0], "class=transient")) << retries[0];
    EXPECT_TRUE(contains(retries[0], "database is locked")) << retries[0];
    EXPECT_EQ(c.scalar("SELECT count(*) FROM t"), "1") << "the insert ran exactly once";
}

}  // namespace
}  // namespace ort_retry
