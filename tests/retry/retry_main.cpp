// SPDX-License-Identifier: Apache-2.0
// main() of the retry integration tests. The binary is also its own helper program, for what
// needs a second process (a circuit breaker shared between processes):
//
//   retry_integration_test --child connect WARMUP_CONNECTION_STRING CONNECTION_STRING
//
// connects once with WARMUP_CONNECTION_STRING (its result is ignored: it only loads the driver
// manager and the drivers, so that the timed connect measures odbc-retry and not dlopen), then
// with CONNECTION_STRING, and prints
//   rc=SQL_ERROR
//   ms=3
//   diag=08001|0|[odbc-retry] ...
// It uses the environment it was given (the parent's ODBCINI, ODBC_RETRY_STATE_DIR).
#include <cstring>
#include <iostream>

#include "retry_harness.h"

namespace ort_retry {
void finish_workspace(bool passed);
}

namespace {

int child_connect(int argc, char** argv) {
    using namespace ort_retry;
    if (argc < 5) {
        std::cerr << "usage: " << argv[0] << " --child connect WARMUP CONNECTION_STRING\n";
        return 2;
    }
    {
        Connection warmup;
        warmup.connect(argv[3]);
    }
    Connection c;
    ConnectResult r = c.connect(argv[4]);
    std::cout << "rc=" << rc_name(r.rc) << "\n";
    std::cout << "ms=" << r.elapsed.count() << "\n";
    for (auto& d : r.diags) {
        std::string message = d.message;
        for (auto& ch : message)
            if (ch == '\n') ch = ' ';
        std::cout << "diag=" << d.state << "|" << d.native << "|" << message << "\n";
    }
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc >= 3 && std::strcmp(argv[1], "--child") == 0) {
        if (std::strcmp(argv[2], "connect") == 0) return child_connect(argc, argv);
        std::cerr << "unknown child mode " << argv[2] << "\n";
        return 2;
    }
    ::testing::InitGoogleTest(&argc, argv);
    int rc = RUN_ALL_TESTS();
    ort_retry::finish_workspace(rc == 0);
    return rc;
}
