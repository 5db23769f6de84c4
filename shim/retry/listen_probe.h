// SPDX-License-Identifier: Apache-2.0
// Ending a connect backoff early when the server is back (RetryWakeOnListen).
//
// While a server restarts, every connect attempt fails at once with "connection refused", and the
// exponential backoff between attempts grows to seconds: when the server starts listening again,
// the next attempt may still be most of a delay away. wait_out_backoff() waits a delay as the
// Sleeper does, but when the server's port refused connections at the start of the wait, it checks
// the port every `interval` and ends the wait as soon as a TCP connect is accepted.
//
// The backoff still protects a server that is up but refuses sessions (starting up, too many
// connections, authentication failures): its port accepts, so at the start of the wait the check
// succeeds and the whole delay is waited out. A check is one TCP handshake, closed at once; only a
// refusing port is checked repeatedly, and a refused connect costs the server nothing.
#pragma once
#include <sys/socket.h>

#include <atomic>
#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "shim/retry/classifier.h"
#include "shim/retry/clock.h"

namespace odbcretry {

struct ListenProbe {
    virtual ~ListenProbe() = default;
    // Whether the server accepts TCP connections now. Never blocks longer than the probe's own
    // connect timeout per address.
    virtual bool listening() = 0;
    // Whether listening() can tell anything: the address is known and resolved (and, for
    // TcpListenProbe, no check was accepted yet).
    virtual bool usable() = 0;
};

// A ListenProbe for host:port, resolved once at the first call (getaddrinfo; a name that does not
// resolve, a Unix socket path or a list of hosts make the probe unusable, and the backoff is then
// waited out in full). Each check is a non-blocking connect bounded by `connect_timeout`. The
// first check that is accepted is the last: the probe is unusable afterwards, so that one connect
// or recovery opens at most one connection that the server sees closed before its handshake.
class TcpListenProbe final : public ListenProbe {
  public:
    TcpListenProbe(std::string host, std::string port, std::chrono::milliseconds connect_timeout);
    bool listening() override;
    bool usable() override;

  private:
    void resolve();
    std::string host_, port_;
    std::chrono::milliseconds connect_timeout_;
    bool resolved_ = false;
    bool accepted_ = false;
    struct Address {
        sockaddr_storage storage;
        socklen_t length;
    };
    std::vector<Address> addresses_;
};

enum class WaitEnd {
    Elapsed,    // the whole delay passed
    Listening,  // the server's port accepts again: ended early
    Cancelled,  // the cancel flag was set (SQLCancel from another thread)
};

// Waits out `delay` with `sleeper` (time read from `clock`). With a usable `probe` (may be null)
// that says the server is not listening at the start, checks it every `interval` and at the end,
// and returns Listening as soon as it is: the server came back during the wait.
WaitEnd wait_out_backoff(Sleeper& sleeper, Clock& clock, std::chrono::milliseconds delay,
                         const std::atomic<bool>* cancel, ListenProbe* probe,
                         std::chrono::milliseconds interval);

// The interval of RetryWakeOnListen's checks.
inline constexpr std::chrono::milliseconds kListenCheckInterval{20};

// wake_on_listen() and default_port_for() read the family's profile (shim/target_driver/profile.h).
// RetryWakeOnListen=auto is on for the families whose servers take a connection closed before
// the handshake calmly (PostgreSQL logs a line, SQL Server nothing), not for MariaDB/MySQL (it
// counts towards max_connect_errors, which can block the client host) nor for unknown servers.

}  // namespace odbcretry
