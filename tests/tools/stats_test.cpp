// SPDX-License-Identifier: Apache-2.0
// The per-process stats files behind `odbc-retry stats`: published by TargetState in the
// writer process, read, summed and cleaned up by another. Every writer here is a real separate
// process (fork), as in production; no servers are needed.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <thread>

#include "shim/shared/breaker_store.h"
#include "shim/shared/stats_file.h"
#include "shim/shared/stats_summary.h"
#include "shim/shared/target_state.h"

namespace odbcretry {
namespace {

namespace fs = std::filesystem;

class TempDir {
  public:
    TempDir() {
        std::string pattern = (fs::temp_directory_path() / "odbc-retry-stats-test-XXXXXX").string();
        path_ = ::mkdtemp(pattern.data());
    }
    ~TempDir() {
        std::error_code ec;
        fs::remove_all(path_, ec);
    }
    const std::string& path() const { return path_; }

  private:
    std::string path_;
};

// A child process that runs `body` (with ODBC_RETRY_STATE_DIR set), says "ready" and then
// waits for the parent's instruction: 'x' exit normally, 'q' _exit without cleanup.
class Child {
  public:
    Child(const std::string& state_dir, std::function<void()> body) {
        int to_child[2], to_parent[2];
        EXPECT_EQ(::pipe(to_child), 0);
        EXPECT_EQ(::pipe(to_parent), 0);
        pid_ = ::fork();
        if (pid_ == 0) {
            ::close(to_child[1]);
            ::close(to_parent[0]);
            ::setenv("ODBC_RETRY_STATE_DIR", state_dir.c_str(), 1);
            body();
            char c = 'r';
            if (::write(to_parent[1], &c, 1) != 1) ::_exit(3);
            if (::read(to_child[0], &c, 1) != 1) ::_exit(4);
            if (c == 'x') std::exit(0);  // runs static destructors: the file is removed
            ::_exit(0);
        }
        ::close(to_child[0]);
        ::close(to_parent[1]);
        command_ = to_child[1];
        char c = 0;
        EXPECT_EQ(::read(to_parent[0], &c, 1), 1) << "the child did not get ready";
        ::close(to_parent[0]);
    }
    ~Child() {
        if (pid_ > 0) kill_now();
        if (command_ >= 0) ::close(command_);
    }
    pid_t pid() const { return pid_; }
    void exit_normally() { finish('x'); }
    void exit_without_cleanup() { finish('q'); }
    void kill_now() {
        ::kill(pid_, SIGKILL);
        ::waitpid(pid_, nullptr, 0);
        pid_ = -1;
    }

  private:
    void finish(char how) {
        ASSERT_EQ(::write(command_, &how, 1), 1);
        int status = 0;
        ::waitpid(pid_, &status, 0);
        EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "child status " << status;
        pid_ = -1;
    }
    pid_t pid_ = -1;
    int command_ = -1;
};

Settings settings_with(int breaker_threshold, bool shared) {
    Settings s;
    s.circuit_breaker_threshold = breaker_threshold;
    s.circuit_breaker_shared = shared;
    s.circuit_breaker_cooldown = std::chrono::milliseconds(60000);
    s.retry_budget = "10:0.5";
    return s;
}

std::size_t index_of(std::string_view name) {
    for (std::size_t i = 0; i < kCounterCount; ++i)
        if (kCounters[i].name == name) return i;
    return kCounterCount;
}

std::vector<std::string> stats_files(const std::string& dir) {
    std::vector<std::string> out;
    for (const auto& e : fs::directory_iterator(dir))
        if (e.path().filename().string().rfind("stats-", 0) == 0) out.push_back(e.path().string());
    return out;
}

TEST(StatsFile, NamesAndProcessStartTimes) {
    auto id = parse_stats_file_name("stats-123-456");
    ASSERT_TRUE(id);
    EXPECT_EQ(id->first, 123);
    EXPECT_EQ(id->second, 456u);
    for (const char* bad : {"stats-", "stats-1", "stats-1-", "stats--1", "stats-a-1",
                            "stats-1-2.tmp", "breakers-v1", "stats-0-5"})
        EXPECT_FALSE(parse_stats_file_name(bad)) << bad;
    auto mine = process_start_ticks(::getpid());
    ASSERT_TRUE(mine);
    EXPECT_GT(*mine, 0u);
    EXPECT_EQ(process_start_ticks(::getpid()), mine);
    EXPECT_FALSE(current_boot_id().empty());
}

TEST(StatsFile, MissingDirectoryIsEmpty) {
    StatsScan scan = scan_stats("/nonexistent/odbc-retry-stats");
    EXPECT_TRUE(scan.processes.empty());
    EXPECT_TRUE(scan.targets.empty());
}

TEST(StatsFile, TwoProcessesAreSummedPerTarget) {
    TempDir dir;
    const std::string key = "postgres://db.example:5432/sales";
    auto body = [&](int retries) {
        return [key, retries] {
            TargetState& t = target_state(key, DriverFamily::Postgres, settings_with(10, true));
            if (t.stats_path().empty()) ::_exit(10);
            t.counters().connects.fetch_add(1, std::memory_order_relaxed);
            t.counters().connect_retries.fetch_add(static_cast<std::uint64_t>(retries),
                                                   std::memory_order_relaxed);
            t.budget().record_failure();
            // A second target in one of them.
            if (retries == 3)
                target_state("mysql://other:3306/x", DriverFamily::MySql, settings_with(10, true))
                    .counters()
                    .give_ups.fetch_add(1);
        };
    };
    Child a(dir.path(), body(2));
    Child b(dir.path(), body(3));

    StatsScan scan = scan_stats(dir.path());
    ASSERT_EQ(scan.processes.size(), 2u);
    EXPECT_TRUE(scan.removed.empty());
    EXPECT_TRUE(scan.warnings.empty());
    auto summary = summarize(scan, std::chrono::steady_clock::now());
    ASSERT_EQ(summary.size(), 2u);
    const TargetSummary& mysql = summary[0].key == key ? summary[1] : summary[0];
    const TargetSummary& pg = summary[0].key == key ? summary[0] : summary[1];
    EXPECT_EQ(pg.key, key);
    EXPECT_EQ(pg.family, DriverFamily::Postgres);
    EXPECT_EQ(pg.pids.size(), 2u);
    EXPECT_EQ(pg.counters[index_of("connects")], 2u);
    EXPECT_EQ(pg.counters[index_of("connect_retries")], 5u);
    EXPECT_TRUE(pg.budget_enabled);
    EXPECT_EQ(pg.budget_max_tokens, 10);
    EXPECT_DOUBLE_EQ(pg.budget_tokens_min, 9.0);
    EXPECT_TRUE(pg.breaker.known);
    EXPECT_EQ(pg.breaker.state, BreakerState::Closed);
    EXPECT_EQ(pg.breaker_mode, BreakerMode::Shared);
    EXPECT_EQ(mysql.pids, std::vector<std::int64_t>{b.pid()});
    EXPECT_EQ(mysql.counters[index_of("give_ups")], 1u);

    // A normal exit removes the process's own file; a killed process's file is removed by the
    // next reader.
    const pid_t b_pid = b.pid();
    a.exit_normally();
    b.kill_now();
    EXPECT_EQ(stats_files(dir.path()).size(), 1u);
    scan = scan_stats(dir.path());
    EXPECT_TRUE(scan.processes.empty());
    ASSERT_EQ(scan.removed.size(), 1u);
    EXPECT_NE(scan.removed[0].find("stats-" + std::to_string(b_pid) + "-"), std::string::npos);
    EXPECT_TRUE(stats_files(dir.path()).empty());
}

TEST(StatsFile, ReaderCanLeaveStaleFiles) {
    TempDir dir;
    Child a(dir.path(), [] {
        target_state("generic://h:1/d", DriverFamily::Generic, settings_with(0, false));
    });
    a.exit_without_cleanup();
    ScanOptions keep;
    keep.remove_stale = false;
    StatsScan scan = scan_stats(dir.path(), keep);
    EXPECT_TRUE(scan.processes.empty());
    EXPECT_TRUE(scan.removed.empty());
    EXPECT_EQ(stats_files(dir.path()).size(), 1u);
    scan = scan_stats(dir.path());
    EXPECT_EQ(scan.removed.size(), 1u);
    EXPECT_TRUE(stats_files(dir.path()).empty());
}

TEST(StatsFile, FileOfAReusedPidIsStale) {
    // A file that names this (live) process's pid with another start time belongs to a dead
    // process whose pid was reused.
    TempDir dir;
    Child a(dir.path(), [] {
        target_state("generic://h:1/d", DriverFamily::Generic, settings_with(0, false));
    });
    a.exit_without_cleanup();
    auto files = stats_files(dir.path());
    ASSERT_EQ(files.size(), 1u);
    const std::string fake = dir.path() + "/stats-" + std::to_string(::getpid()) + "-1";
    fs::rename(files[0], fake);
    StatsScan scan = scan_stats(dir.path());
    EXPECT_TRUE(scan.processes.empty());
    ASSERT_EQ(scan.removed.size(), 1u);
    EXPECT_EQ(scan.removed[0], fake);
}

TEST(StatsFile, AForkedChildKeepsTheFileOfItsDeadParent) {
    TempDir dir;
    int grandchild_pid_pipe[2];
    ASSERT_EQ(::pipe(grandchild_pid_pipe), 0);
    Child parent(dir.path(), [&] {
        TargetState& t =
            target_state("generic://h:1/d", DriverFamily::Generic, settings_with(0, false));
        t.counters().connects.fetch_add(7);
        pid_t g = ::fork();
        if (g == 0) {
            // Uses the inherited mapping (and holds the inherited lock) until killed.
            t.counters().connects.fetch_add(1);
            pid_t self = ::getpid();
            if (::write(grandchild_pid_pipe[1], &self, sizeof self) != sizeof self) ::_exit(5);
            for (;;) ::pause();
        }
    });
    pid_t grandchild = 0;
    ASSERT_EQ(::read(grandchild_pid_pipe[0], &grandchild, sizeof grandchild),
              static_cast<ssize_t>(sizeof grandchild));
    struct KillOnExit {
        pid_t pid;
        ~KillOnExit() { ::kill(pid, SIGKILL); }
    } guard{grandchild};
    parent.exit_without_cleanup();

    StatsScan scan = scan_stats(dir.path());
    ASSERT_EQ(scan.processes.size(), 1u);
    EXPECT_TRUE(scan.processes[0].inherited);
    ASSERT_EQ(scan.targets.size(), 1u);
    EXPECT_EQ(scan.targets[0].counters[index_of("connects")], 8u);
    EXPECT_TRUE(scan.removed.empty());

    ::kill(grandchild, SIGKILL);
    // The grandchild's parent is gone: init reaps it; wait until the lock is released.
    StatsScan after;
    for (int i = 0; i < 100; ++i) {
        after = scan_stats(dir.path());
        if (!after.removed.empty()) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    EXPECT_TRUE(after.processes.empty());
    EXPECT_EQ(after.removed.size(), 1u);
}

TEST(StatsFile, BreakerStateIsReadableInBothModes) {
    TempDir dir;
    auto open_breaker = [](bool shared) {
        return [shared] {
            TargetState& t = target_state(shared ? "postgres://shared:1/d" : "postgres://own:1/d",
                                          DriverFamily::Postgres, settings_with(3, shared));
            if (!t.breaker()) ::_exit(11);
            auto now = std::chrono::steady_clock::now();
            for (int i = 0; i < 3; ++i) t.breaker()->record_failure(now);
            if (t.breaker()->state(now) != BreakerState::Open) ::_exit(12);
        };
    };
    Child a(dir.path(), open_breaker(true));
    Child b(dir.path(), open_breaker(false));
    StatsScan scan = scan_stats(dir.path());
    auto summary = summarize(scan, std::chrono::steady_clock::now());
    ASSERT_EQ(summary.size(), 2u);
    for (const auto& s : summary) {
        SCOPED_TRACE(s.key);
        EXPECT_EQ(s.breaker_mode, s.key.find("shared") != std::string::npos ? BreakerMode::Shared
                                                                            : BreakerMode::Slot);
        ASSERT_TRUE(s.breaker.known);
        EXPECT_EQ(s.breaker.state, BreakerState::Open);
        EXPECT_EQ(s.breaker.consecutive_failures, 3);
        ASSERT_TRUE(s.breaker.in_state.has_value());
        EXPECT_GE(s.breaker.in_state->count(), 0);
        EXPECT_GT(s.breaker.retry_in.count(), 50000);
    }
    // No breaker at all.
    Child c(dir.path(), [] {
        target_state("postgres://none:1/d", DriverFamily::Postgres, settings_with(0, true));
    });
    summary = summarize(scan_stats(dir.path()), std::chrono::steady_clock::now());
    for (const auto& s : summary)
        if (s.key == "postgres://none:1/d") {
            EXPECT_EQ(s.breaker_mode, BreakerMode::None);
            EXPECT_FALSE(s.breaker.known);
        }
}

TEST(StatsFile, AFullTableKeepsCountingInProcess) {
    TempDir dir;
    Child a(dir.path(), [] {
        for (std::uint32_t i = 0; i < kStatsSlots + 3; ++i) {
            TargetState& t = target_state("generic://h:" + std::to_string(i) + "/d",
                                          DriverFamily::Generic, settings_with(0, false));
            t.counters().connects.fetch_add(1);
            t.budget().record_failure();
            if (i >= kStatsSlots && !t.stats_path().empty()) ::_exit(6);
        }
    });
    StatsScan scan = scan_stats(dir.path());
    ASSERT_EQ(scan.processes.size(), 1u);
    EXPECT_EQ(scan.processes[0].overflow, 3u);
    EXPECT_EQ(scan.targets.size(), kStatsSlots);
}

TEST(StatsFile, ForeignFilesAreSkippedOrRemoved) {
    TempDir dir;
    // A file of another format, named after this live process: skipped with a warning.
    const std::string live = dir.path() + "/stats-" + std::to_string(::getpid()) + "-" +
                             std::to_string(process_start_ticks(::getpid()).value_or(0));
    {
        std::ofstream out(live);
        out << std::string(4096, 'x');
    }
    // Leftovers of a process that does not exist: removed.
    const std::string dead = dir.path() + "/stats-999999999-5";
    const std::string temp = dir.path() + "/stats-999999999-5.tmp";
    std::ofstream(dead) << "junk";
    std::ofstream(temp) << "junk";
    StatsScan scan = scan_stats(dir.path());
    EXPECT_TRUE(scan.processes.empty());
    ASSERT_EQ(scan.warnings.size(), 1u);
    EXPECT_NE(scan.warnings[0].find(live), std::string::npos);
    EXPECT_EQ(scan.removed.size(), 2u);
    EXPECT_TRUE(fs::exists(live));
    EXPECT_FALSE(fs::exists(dead));
    EXPECT_FALSE(fs::exists(temp));
}

TEST(StatsFile, RetiredTotalsKeepTheTargetsFoldedMostRecently) {
    // A host that has seen more targets than the retired file keeps (a database per tenant,
    // years of test runs): the least recently folded go first, a target folded again moves last.
    TempDir dir;
    {
        std::ofstream out(dir.path() + "/" + std::string(kRetiredFileName));
        out << "# written by the test\n";
        for (std::size_t i = 0; i < kRetiredTargetsMax; ++i) {
            out << "4\t0\t0000000000000000\t0\t0\t";
            for (std::size_t c = 0; c < kCounterCount; ++c) out << (c ? "," : "") << (c ? 0 : 7);
            out << "\tgeneric://old-" << i << ":1/d\n";
        }
    }
    Child a(dir.path(), [] {
        for (const char* key : {"generic://old-5:1/d", "generic://new:1/d"})
            target_state(key, DriverFamily::Generic, settings_with(0, false))
                .counters()
                .connects.fetch_add(1, std::memory_order_relaxed);
    });
    a.exit_normally();
    std::vector<TargetStats> retired = read_retired(dir.path());
    ASSERT_EQ(retired.size(), kRetiredTargetsMax);
    EXPECT_EQ(retired.front().key, "generic://old-1:1/d");  // old-0 was the oldest: dropped
    std::size_t old5 = retired.size(), fresh = retired.size();
    for (std::size_t i = 0; i < retired.size(); ++i) {
        if (retired[i].key == "generic://old-5:1/d") old5 = i;
        if (retired[i].key == "generic://new:1/d") fresh = i;
    }
    ASSERT_LT(old5, retired.size());
    ASSERT_LT(fresh, retired.size());
    EXPECT_GE(old5, retired.size() - 2);  // folded again: among the last two
    EXPECT_GE(fresh, retired.size() - 2);
    EXPECT_EQ(retired[old5].counters[index_of("connects")], 8u);
    EXPECT_EQ(retired[fresh].counters[index_of("connects")], 1u);
}

TEST(StatsFile, LongKeysAreCut) {
    TempDir dir;
    const std::string key = "postgres://" + std::string(1000, 'h') + ":1/d";
    Child a(dir.path(),
            [&] { target_state(key, DriverFamily::Postgres, settings_with(0, false)); });
    StatsScan scan = scan_stats(dir.path());
    ASSERT_EQ(scan.targets.size(), 1u);
    EXPECT_EQ(scan.targets[0].key, key.substr(0, kStatsKeyBytes));
}

TEST(StatsFile, NoStateDirectoryMeansCountersInProcess) {
    TempDir dir;
    const std::string file = dir.path() + "/not-a-directory";
    std::ofstream(file) << "x";
    Child a(file, [] {
        TargetState& t =
            target_state("generic://h:1/d", DriverFamily::Generic, settings_with(2, true));
        if (!t.stats_path().empty()) ::_exit(7);
        t.counters().connects.fetch_add(1);
        if (t.counters().connects.load() != 1) ::_exit(8);
        if (!t.budget().allows_retry()) ::_exit(9);
    });
    a.exit_normally();
}

}  // namespace
}  // namespace odbcretry
