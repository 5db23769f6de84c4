// SPDX-License-Identifier: Apache-2.0
#include "shim/retry/listen_probe.h"

#include <netdb.h>
#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace odbcretry {

TcpListenProbe::TcpListenProbe(std::string host, std::string port,
                               std::chrono::milliseconds connect_timeout)
    : host_(std::move(host)), port_(std::move(port)), connect_timeout_(connect_timeout) {}

void TcpListenProbe::resolve() {
    resolved_ = true;
    // A Unix socket directory (psqlODBC, MariaDB), a list of hosts or a SQL Server
    // "tcp:host,port" form is not one TCP address: no probe.
    if (host_.empty() || port_.empty() || host_.front() == '/' ||
        host_.find_first_of(",; ") != std::string::npos)
        return;
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICSERV;
    addrinfo* list = nullptr;
    if (getaddrinfo(host_.c_str(), port_.c_str(), &hints, &list) != 0 || !list) return;
    for (addrinfo* a = list; a; a = a->ai_next) {
        if (a->ai_addrlen > sizeof(sockaddr_storage)) continue;
        Address address{};
        std::memcpy(&address.storage, a->ai_addr, a->ai_addrlen);
        address.length = a->ai_addrlen;
        addresses_.push_back(address);
    }
    freeaddrinfo(list);
}

bool TcpListenProbe::usable() {
    if (!resolved_) resolve();
    return !addresses_.empty() && !accepted_;
}

bool TcpListenProbe::listening() {
    if (!usable()) return false;
    for (const Address& a : addresses_) {
        const auto* address = reinterpret_cast<const sockaddr*>(&a.storage);
        int fd = socket(address->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd < 0) continue;
        bool accepted = false;
        if (connect(fd, address, a.length) == 0) {
            accepted = true;
        } else if (errno == EINPROGRESS) {
            pollfd p{fd, POLLOUT, 0};
            int timeout = static_cast<int>(std::max<long long>(1, connect_timeout_.count()));
            if (poll(&p, 1, timeout) == 1) {
                int error = 0;
                socklen_t length = sizeof(error);
                accepted = getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length) == 0 && error == 0;
            }
        }
        close(fd);
        if (accepted) {
            accepted_ = true;
            return true;
        }
    }
    return false;
}

WaitEnd wait_out_backoff(Sleeper& sleeper, Clock& clock, std::chrono::milliseconds delay,
                         const std::atomic<bool>* cancel, ListenProbe* probe,
                         std::chrono::milliseconds interval) {
    // Only a server that refused at the start of the wait is watched: one that accepts TCP but
    // refused the session gets its whole backoff.
    if (!probe || interval.count() <= 0 || !probe->usable() || probe->listening())
        return sleeper.sleep_for(delay, cancel) ? WaitEnd::Elapsed : WaitEnd::Cancelled;
    // Checked after every slice, the last one included: a server that started to listen during
    // the wait is reported even when the delay ran out at the same time.
    const auto end = clock.now() + delay;
    for (;;) {
        const auto now = clock.now();
        if (now >= end) return WaitEnd::Elapsed;
        auto left = std::chrono::ceil<std::chrono::milliseconds>(end - now);
        if (!sleeper.sleep_for(std::min(left, interval), cancel)) return WaitEnd::Cancelled;
        if (probe->listening()) return WaitEnd::Listening;
    }
}

}  // namespace odbcretry
