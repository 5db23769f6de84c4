// SPDX-License-Identifier: Apache-2.0
// The shared breaker table: two mappings in one process, two processes (fork), repair of a bad
// file. Each test works in its own temporary directory.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <optional>
#include <filesystem>
#include <fstream>
#include <string>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "shim/shared/breaker_store.h"
#include "shim/retry/circuit_breaker.h"
#include "shim/retry/clock.h"

namespace odbcretry {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

class SharedStoreTest : public ::testing::Test {
  protected:
    void SetUp() override {
        std::string pattern = (fs::temp_directory_path() / "odbc-retry-unit-XXXXXX").string();
        ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
        dir_ = pattern;
    }
    void TearDown() override {
        std::error_code ec;
        fs::remove_all(dir_, ec);
    }
    std::unique_ptr<SharedBreakerStore> open_store(std::uint32_t slots = 64) {
        std::string error;
        auto store = SharedBreakerStore::open(dir_, error, slots);
        EXPECT_TRUE(store) << error;
        return store;
    }
    std::string file() const { return dir_ + "/" + std::string(SharedBreakerStore::kFileName); }

    std::string dir_;
    const BreakerSettings settings_{true, 3, 1000ms};
    const std::uint64_t key_ = breaker_key_hash("db:5432/app", DriverFamily::Postgres);
    const CircuitBreaker::time_point t0_ = from_steady_ms(7'000'000);
};

TEST_F(SharedStoreTest, CreatesAPrivateFileOfTheRightSize) {
    auto store = open_store();
    ASSERT_TRUE(store);
    EXPECT_EQ(store->path(), file());
    EXPECT_EQ(store->description(), file());
    struct stat st {};
    ASSERT_EQ(::stat(file().c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u);
    EXPECT_EQ(static_cast<std::size_t>(st.st_size), (8 + 64 * 4) * sizeof(std::uint64_t));
    // No temporary files are left behind.
    int entries = 0;
    for (const auto& e : fs::directory_iterator(dir_)) entries += e.path() == file() ? 1 : 100;
    EXPECT_EQ(entries, 1);
}

TEST_F(SharedStoreTest, CreatesAMissingDirectory) {
    std::string error;
    auto store = SharedBreakerStore::open(dir_ + "/nested", error, 64);
    ASSERT_TRUE(store) << error;
    struct stat st {};
    ASSERT_EQ(::stat((dir_ + "/nested").c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0700u);
}

TEST_F(SharedStoreTest, RefusesAFileInPlaceOfTheDirectory) {
    std::ofstream(dir_ + "/plain") << "x";
    std::string error;
    EXPECT_FALSE(SharedBreakerStore::open(dir_ + "/plain", error, 64));
    EXPECT_NE(error.find("not a directory"), std::string::npos) << error;
}

TEST_F(SharedStoreTest, TwoMappingsInOneProcessShareState) {
    auto a = open_store();
    auto b = open_store();
    ASSERT_TRUE(a && b);
    CircuitBreaker on_a(settings_, *a, key_);
    CircuitBreaker on_b(settings_, *b, key_);
    for (int i = 0; i < 3; ++i) on_a.record_failure(t0_);
    EXPECT_EQ(on_b.state(t0_), BreakerState::Open);
    EXPECT_TRUE(on_b.allow(t0_ + 1000ms).is_probe);
    EXPECT_TRUE(on_a.allow(t0_ + 1001ms).probe_in_flight);
    on_a.record_success(t0_ + 1002ms);
    EXPECT_EQ(on_b.state(t0_ + 1002ms), BreakerState::Closed);
}

TEST_F(SharedStoreTest, SlotsAreKeyedAcrossMappings) {
    auto a = open_store(4);
    auto b = open_store(4);
    ASSERT_TRUE(a && b);
    std::uint64_t* written = a->state_word(11);
    ASSERT_TRUE(written);
    EXPECT_EQ(a->state_word(11), written);
    std::atomic_ref<std::uint64_t>(*written).store(0xABC);
    std::uint64_t* seen = b->state_word(11);
    ASSERT_TRUE(seen);
    EXPECT_EQ(std::atomic_ref<std::uint64_t>(*seen).load(), 0xABCu);
    std::uint64_t* other = b->state_word(12);
    ASSERT_TRUE(other);
    EXPECT_EQ(std::atomic_ref<std::uint64_t>(*other).load(), 0u);
    EXPECT_TRUE(a->state_word(13));
    EXPECT_TRUE(b->state_word(14));
    EXPECT_EQ(a->state_word(15), nullptr);  // four slots, all claimed
}

TEST_F(SharedStoreTest, SharedAcrossProcesses) {
    auto store = open_store();
    ASSERT_TRUE(store);
    CircuitBreaker parent(settings_, *store, key_);
    for (int i = 0; i < 3; ++i) parent.record_failure(t0_);

    const pid_t child = ::fork();
    ASSERT_NE(child, -1);
    if (child == 0) {
        // A new mapping of the same file, as another process would make. No gtest here.
        std::string error;
        auto mine = SharedBreakerStore::open(dir_, error, 64);
        if (!mine) ::_exit(10);
        CircuitBreaker breaker(settings_, *mine, key_);
        if (breaker.state(t0_ + 10ms) != BreakerState::Open) ::_exit(11);
        if (breaker.allow(t0_ + 10ms).allowed) ::_exit(12);
        if (!breaker.allow(t0_ + 1000ms).is_probe) ::_exit(13);
        ::_exit(0);  // dies holding the probe, without reporting
    }
    int status = 0;
    ASSERT_EQ(::waitpid(child, &status, 0), child);
    ASSERT_TRUE(WIFEXITED(status));
    ASSERT_EQ(WEXITSTATUS(status), 0);

    auto refused = parent.allow(t0_ + 1500ms);
    EXPECT_FALSE(refused.allowed);
    EXPECT_TRUE(refused.probe_in_flight);
    EXPECT_EQ(refused.retry_at, t0_ + 2000ms);
    // The dead child's lease runs out: the parent takes the probe over.
    EXPECT_TRUE(parent.allow(t0_ + 2000ms).is_probe);
}

TEST_F(SharedStoreTest, ConcurrentUpdatesFromTwoProcessesAreNotLost) {
    auto store = open_store();
    ASSERT_TRUE(store);
    const BreakerSettings many{true, 60000, 1000ms};
    const pid_t child = ::fork();
    ASSERT_NE(child, -1);
    if (child == 0) {
        std::string error;
        auto mine = SharedBreakerStore::open(dir_, error, 64);
        if (!mine) ::_exit(10);
        CircuitBreaker breaker(many, *mine, key_);
        for (int i = 0; i < 20000; ++i) breaker.record_failure(t0_);
        ::_exit(0);
    }
    CircuitBreaker breaker(many, *store, key_);
    for (int i = 0; i < 20000; ++i) breaker.record_failure(t0_);
    int status = 0;
    ASSERT_EQ(::waitpid(child, &status, 0), child);
    ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    EXPECT_EQ(breaker.snapshot(t0_).consecutive_failures, 40000);
    EXPECT_EQ(breaker.state(t0_), BreakerState::Closed);
}

TEST_F(SharedStoreTest, ATooSmallFileIsReplaced) {
    std::ofstream(file()) << "garbage";
    ::chmod(file().c_str(), 0600);
    auto store = open_store();
    ASSERT_TRUE(store);
    CircuitBreaker breaker(settings_, *store, key_);
    EXPECT_EQ(breaker.state(t0_), BreakerState::Closed);
    for (int i = 0; i < 3; ++i) breaker.record_failure(t0_);
    EXPECT_EQ(breaker.state(t0_), BreakerState::Open);
}

TEST_F(SharedStoreTest, AFileWithAWrongHeaderIsReplacedWithAnEmptyTable) {
    {
        std::ofstream out(file(), std::ios::binary);
        std::string junk((8 + 64 * 4) * sizeof(std::uint64_t), '\x7f');
        out << junk;
    }
    auto store = open_store();
    ASSERT_TRUE(store);
    CircuitBreaker breaker(settings_, *store, key_);
    EXPECT_TRUE(breaker.active());
    EXPECT_EQ(breaker.snapshot(t0_).consecutive_failures, 0);
}

TEST_F(SharedStoreTest, ATableOfAnotherSizeIsReplaced) {
    {
        auto big = open_store(128);
        ASSERT_TRUE(big);
        CircuitBreaker b(settings_, *big, key_);
        b.record_failure(t0_);
    }
    auto store = open_store(64);
    ASSERT_TRUE(store);
    CircuitBreaker breaker(settings_, *store, key_);
    EXPECT_EQ(breaker.snapshot(t0_).consecutive_failures, 0);
    struct stat st {};
    ASSERT_EQ(::stat(file().c_str(), &st), 0);
    EXPECT_EQ(static_cast<std::size_t>(st.st_size), (8 + 64 * 4) * sizeof(std::uint64_t));
}

TEST_F(SharedStoreTest, ReopeningKeepsState) {
    {
        auto store = open_store();
        ASSERT_TRUE(store);
        CircuitBreaker b(settings_, *store, key_);
        for (int i = 0; i < 3; ++i) b.record_failure(t0_);
    }
    auto store = open_store();
    ASSERT_TRUE(store);
    EXPECT_EQ(CircuitBreaker(settings_, *store, key_).state(t0_), BreakerState::Open);
}

// Sets an environment variable for the scope of one test.
class ScopedEnv {
  public:
    ScopedEnv(const char* name, const std::string& value) : name_(name) {
        if (const char* old = std::getenv(name)) old_ = old;
        ::setenv(name, value.c_str(), 1);
    }
    ~ScopedEnv() {
        if (old_)
            ::setenv(name_, old_->c_str(), 1);
        else
            ::unsetenv(name_);
    }

  private:
    const char* name_;
    std::optional<std::string> old_;
};

TEST_F(SharedStoreTest, DefaultDirectoryFollowsTheEnvironment) {
    ScopedEnv env("ODBC_RETRY_STATE_DIR", dir_ + "/state");
    EXPECT_EQ(default_state_directory(), dir_ + "/state");
    std::string error;
    auto store = SharedBreakerStore::open_default(error);
    ASSERT_TRUE(store) << error;
    EXPECT_EQ(store->path(), dir_ + "/state/" + std::string(SharedBreakerStore::kFileName));
}

TEST(DefaultStateDirectory, PerUserWithoutTheEnvironment) {
    ScopedEnv env("ODBC_RETRY_STATE_DIR", "");
    const std::string dir = default_state_directory();
    EXPECT_TRUE(dir.ends_with("/odbc-retry-" + std::to_string(::geteuid()))) << dir;
}

TEST(InProcessStore, ClaimsSlotsByKey) {
    InProcessBreakerStore store(2);
    std::uint64_t* a = store.state_word(5);
    EXPECT_EQ(store.state_word(5), a);
    std::uint64_t* b = store.state_word(6);
    EXPECT_NE(b, nullptr);
    EXPECT_NE(b, a);
    EXPECT_EQ(store.state_word(7), nullptr);  // two slots, both claimed
    EXPECT_EQ(store.description(), "in-process");
}

// A full table is bounded in time: a slot unused for the idle time, whose breaker is closed
// with no failures, goes to a new target; a breaker that is open or counting failures keeps its.
TEST(InProcessStore, AFullTableGivesUpIdleClosedSlots) {
    ManualClock clock;
    InProcessBreakerStore store(2);
    store.set_reclaim(clock, 10min);
    std::uint64_t* a = store.state_word(5);
    std::uint64_t* b = store.state_word(6);
    ASSERT_NE(a, nullptr);
    ASSERT_NE(b, nullptr);
    *b = 1 << 2;  // one failure counted: still in use
    EXPECT_EQ(store.state_word(7), nullptr);
    clock.advance(9min);
    EXPECT_EQ(store.state_word(7), nullptr);  // not idle long enough
    clock.advance(2min);
    EXPECT_EQ(store.state_word(7), a);  // 5's slot: closed and idle for 11 minutes
    EXPECT_EQ(store.state_word(6), b);  // 6 keeps its slot and its failure
    EXPECT_EQ(*b, std::uint64_t{1} << 2);
    // 5 comes back: no slot until one is idle again; 7 used its slot just now.
    EXPECT_EQ(store.state_word(5), nullptr);
}

// A breaker made while the table was full gets its state word once a slot is free, and a
// breaker whose slot was given up finds one again at its next use.
TEST(InProcessStore, BreakersFindTheirSlotAtEachUse) {
    ManualClock clock;
    InProcessBreakerStore store(1);
    store.set_reclaim(clock, 10min);
    const BreakerSettings settings{true, 1, 1000ms};
    CircuitBreaker first(settings, store, 11);
    CircuitBreaker second(settings, store, 12);
    EXPECT_TRUE(first.active());
    EXPECT_FALSE(second.active());
    clock.advance(11min);
    EXPECT_TRUE(second.active());
    second.record_failure(clock.now());
    EXPECT_EQ(second.state(clock.now()), BreakerState::Open);
    EXPECT_FALSE(first.active());                               // open: 12 keeps the slot
    EXPECT_EQ(first.state(clock.now()), BreakerState::Closed);  // and 11 lets everything through
}

// The shared table gives up idle slots the same way, across mappings.
TEST_F(SharedStoreTest, AFullSharedTableGivesUpIdleClosedSlots) {
    ManualClock clock;
    auto one = open_store(1);
    auto two = open_store(1);
    ASSERT_TRUE(one && two);
    one->set_reclaim(clock, 10min);
    two->set_reclaim(clock, 10min);
    ASSERT_NE(one->state_word(1), nullptr);
    EXPECT_EQ(two->state_word(2), nullptr);
    clock.advance(10min);
    EXPECT_NE(two->state_word(2), nullptr);
    EXPECT_EQ(one->state_word(1), nullptr);
}

}  // namespace
}  // namespace odbcretry
