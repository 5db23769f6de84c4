// SPDX-License-Identifier: Apache-2.0
// A TCP socket of the test process bound to a free port on 127.0.0.1, listening only when told:
// until then the kernel refuses connects to it, as for a stopped server.
#pragma once
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>

namespace ort_test {

class LoopbackSocket {
  public:
    LoopbackSocket() {
        fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t length = sizeof(a);
        ok_ = fd_ >= 0 && bind(fd_, reinterpret_cast<sockaddr*>(&a), length) == 0 &&
              getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &length) == 0;
        port_ = ntohs(a.sin_port);
    }
    ~LoopbackSocket() {
        if (fd_ >= 0) close(fd_);
    }
    LoopbackSocket(const LoopbackSocket&) = delete;
    LoopbackSocket& operator=(const LoopbackSocket&) = delete;

    bool ok() const { return ok_; }  // bound to a port
    bool listen_now() { return ::listen(fd_, 16) == 0; }
    std::string port() const { return std::to_string(port_); }

  private:
    int fd_ = -1;
    bool ok_ = false;
    unsigned port_ = 0;
};

}  // namespace ort_test
