// SPDX-License-Identifier: Apache-2.0
// RetryWakeOnListen: the backoff wait that ends when the server's port accepts again
// (wait_out_backoff, with an injected clock and a scripted probe), and the TCP probe itself
// against a socket of this process on loopback.
#include <gtest/gtest.h>

#include <deque>

#include "shim/retry/listen_probe.h"
#include "tests/common/loopback_socket.h"

namespace odbcretry {
namespace {

using namespace std::chrono_literals;

// Answers listening() from a script; usable unless told otherwise. Counts the checks.
class ScriptedProbe final : public ListenProbe {
  public:
    explicit ScriptedProbe(std::deque<bool> answers, bool usable = true)
        : answers_(std::move(answers)), usable_(usable) {}
    bool listening() override {
        ++checks;
        if (answers_.empty()) return last_;
        last_ = answers_.front();
        answers_.pop_front();
        return last_;
    }
    bool usable() override { return usable_; }
    int checks = 0;

  private:
    std::deque<bool> answers_;
    bool usable_;
    bool last_ = false;
};

TEST(WaitOutBackoff, EndsAtTheFirstCheckThatFindsTheServerListening) {
    ManualClock clock;
    ManualSleeper sleeper(clock);
    // Refusing at the start, then twice more, then accepting.
    ScriptedProbe probe({false, false, false, true});
    const auto start = clock.now();
    EXPECT_EQ(WaitEnd::Listening, wait_out_backoff(sleeper, clock, 1000ms, nullptr, &probe, 20ms));
    EXPECT_EQ(clock.now() - start, 60ms);
    EXPECT_EQ(4, probe.checks);
    EXPECT_EQ(sleeper.requests(), (std::vector<std::chrono::milliseconds>{20ms, 20ms, 20ms}));
}

TEST(WaitOutBackoff, AServerAlreadyListeningGetsTheWholeDelay) {
    // Its port accepts but it refused the session (starting up, too many connections): the
    // backoff protects it, in one sleep and after one check.
    ManualClock clock;
    ManualSleeper sleeper(clock);
    ScriptedProbe probe({true});
    EXPECT_EQ(WaitEnd::Elapsed, wait_out_backoff(sleeper, clock, 800ms, nullptr, &probe, 20ms));
    EXPECT_EQ(1, probe.checks);
    EXPECT_EQ(sleeper.requests(), (std::vector<std::chrono::milliseconds>{800ms}));
}

TEST(WaitOutBackoff, AServerThatStaysDownIsWaitedOutToTheEnd) {
    ManualClock clock;
    ManualSleeper sleeper(clock);
    ScriptedProbe probe({false});
    const auto start = clock.now();
    EXPECT_EQ(WaitEnd::Elapsed, wait_out_backoff(sleeper, clock, 110ms, nullptr, &probe, 20ms));
    EXPECT_EQ(clock.now() - start, 110ms);
    // 20 ms slices, the last one shortened to what is left.
    EXPECT_EQ(sleeper.requests(),
              (std::vector<std::chrono::milliseconds>{20ms, 20ms, 20ms, 20ms, 20ms, 10ms}));
    EXPECT_EQ(7, probe.checks);  // one at the start, one after each slice
}

TEST(WaitOutBackoff, AServerThatCameBackInTheLastSliceIsReported) {
    // The delay ran out, but the server listens now: the caller knows it came back (and starts
    // its backoff curve again).
    ManualClock clock;
    ManualSleeper sleeper(clock);
    ScriptedProbe probe({false, false, true});
    const auto start = clock.now();
    EXPECT_EQ(WaitEnd::Listening, wait_out_backoff(sleeper, clock, 30ms, nullptr, &probe, 20ms));
    EXPECT_EQ(clock.now() - start, 30ms);
    // A delay shorter than one interval is one slice, checked before and after.
    ScriptedProbe short_wait({false, true});
    EXPECT_EQ(WaitEnd::Listening,
              wait_out_backoff(sleeper, clock, 5ms, nullptr, &short_wait, 20ms));
    EXPECT_EQ(2, short_wait.checks);
    EXPECT_EQ(sleeper.requests(), (std::vector<std::chrono::milliseconds>{20ms, 10ms, 5ms}));
}

TEST(WaitOutBackoff, WithoutAUsableProbeItIsAPlainSleep) {
    ManualClock clock;
    ManualSleeper sleeper(clock);
    ScriptedProbe unusable({false}, false);
    EXPECT_EQ(WaitEnd::Elapsed, wait_out_backoff(sleeper, clock, 300ms, nullptr, &unusable, 20ms));
    EXPECT_EQ(0, unusable.checks);
    EXPECT_EQ(WaitEnd::Elapsed, wait_out_backoff(sleeper, clock, 300ms, nullptr, nullptr, 20ms));
    EXPECT_EQ(sleeper.requests(), (std::vector<std::chrono::milliseconds>{300ms, 300ms}));
}

TEST(WaitOutBackoff, CancelEndsTheWait) {
    ManualClock clock;
    ManualSleeper sleeper(clock);
    std::atomic<bool> cancel{true};
    ScriptedProbe down({false});
    EXPECT_EQ(WaitEnd::Cancelled, wait_out_backoff(sleeper, clock, 500ms, &cancel, &down, 20ms));
    ScriptedProbe up({true});
    EXPECT_EQ(WaitEnd::Cancelled, wait_out_backoff(sleeper, clock, 500ms, &cancel, &up, 20ms));
}

TEST(DefaultPort, KnownFamiliesOnly) {
    EXPECT_EQ("5432", default_port_for(DriverFamily::Postgres));
    EXPECT_EQ("3306", default_port_for(DriverFamily::MySql));
    EXPECT_EQ("1433", default_port_for(DriverFamily::SqlServer));
    EXPECT_EQ("", default_port_for(DriverFamily::Sqlite));
    EXPECT_EQ("", default_port_for(DriverFamily::Generic));
}

TEST(TcpListenProbe, TellsARefusingPortFromAListeningOne) {
    // Bound but not listening: the kernel refuses connects, as for a stopped server.
    ort_test::LoopbackSocket server;
    ASSERT_TRUE(server.ok());
    TcpListenProbe probe("127.0.0.1", server.port(), 1000ms);
    ASSERT_TRUE(probe.usable());
    EXPECT_FALSE(probe.listening());
    EXPECT_FALSE(probe.listening());  // every check is a new connection, closed at once
    ASSERT_TRUE(server.listen_now());
    EXPECT_TRUE(probe.listening());
    // One accepted check per probe: the server sees at most one connection closed before its
    // handshake per connect or recovery.
    EXPECT_FALSE(probe.usable());
    EXPECT_FALSE(probe.listening());
}

TEST(WakeOnListen, AutoMeansPostgresAndSqlServerOnly) {
    EXPECT_TRUE(wake_on_listen("auto", DriverFamily::Postgres));
    EXPECT_TRUE(wake_on_listen("auto", DriverFamily::SqlServer));
    EXPECT_FALSE(wake_on_listen("auto", DriverFamily::MySql));
    EXPECT_FALSE(wake_on_listen("auto", DriverFamily::Generic));
    EXPECT_FALSE(wake_on_listen("auto", DriverFamily::Sqlite));
    EXPECT_TRUE(wake_on_listen("yes", DriverFamily::MySql));
    EXPECT_TRUE(wake_on_listen("yes", DriverFamily::Generic));
    EXPECT_FALSE(wake_on_listen("no", DriverFamily::Postgres));
}

TEST(TcpListenProbe, AddressesThatAreNotOneTcpServerAreUnusable) {
    for (const char* host : {"", "/var/run/postgresql", "db1,db2", "no such host.invalid"}) {
        TcpListenProbe probe(host, "5432", 100ms);
        EXPECT_FALSE(probe.usable()) << host;
        EXPECT_FALSE(probe.listening()) << host;
    }
    TcpListenProbe no_port("127.0.0.1", "", 100ms);
    EXPECT_FALSE(no_port.usable());
    TcpListenProbe bad_port("127.0.0.1", "postgres", 100ms);
    EXPECT_FALSE(bad_port.usable());
}

}  // namespace
}  // namespace odbcretry
