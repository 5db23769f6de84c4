// SPDX-License-Identifier: Apache-2.0
#include "fake_fate.h"

#include <chrono>
#include <mutex>

namespace odbcfake {
namespace {

[[noreturn]] void reportLoss(Dbc& c) {
    if (!c.lossReported) {
        c.lossReported = true;
        throw SqlError{c.faults.loseRecord};
    }
    throw SqlError{c.faults.lostRecord};
}

}  // namespace

void loseNow(Dbc& c) {
    c.lost = true;
    c.doomed = false;
    c.session.rollback();  // the server rolled back whatever was open
}

[[noreturn]] void dropConnection(Dbc& c) {
    loseNow(c);
    reportLoss(c);
}

bool loseHere(Dbc& c, LoseSpec::Point point, long n) {
    const FaultConfig& f = c.faults;
    return f.loseAt && f.loseAt->point == point && f.loseAt->nth == n &&
           takeShot(f.database + "|LoseAt|" + f.loseAtText, f.loseTimes);
}

long controlEpoch(const Dbc& c) {
    return c.faults.controlPath.empty() ? 0 : readControl(c.faults.controlPath).epoch;
}

ControlState requireServer(Dbc& c) {
    if (!c.connected) fail("08003", 0, "[Fake]Connection not open");
    ControlState control;
    if (!c.lost) {
        if (!c.faults.controlPath.empty()) control = readControl(c.faults.controlPath);
        if (c.doomed || control.epoch > c.epoch) loseNow(c);
    }
    if (c.lost) reportLoss(c);
    return control;
}

[[noreturn]] void deadlock(Dbc& c) {
    c.session.rollback();  // as InnoDB does: the whole transaction is rolled back
    fail("40001", 1213, "[Fake]Deadlock found when trying to get lock; try restarting transaction");
}

void serverWork(Stmt& s, long delayMs) {
    using namespace std::chrono;
    bool timesOut = s.queryTimeout > 0 && static_cast<SQLULEN>(delayMs) > s.queryTimeout * 1000;
    auto wait = timesOut ? milliseconds(s.queryTimeout * 1000) : milliseconds(delayMs);
    std::unique_lock lock(s.waitMutex);
    if (s.waitCondition.wait_for(lock, wait, [&] { return s.cancelRequested.load(); })) {
        fail("HY008", 0, "[Fake]Operation canceled");
    }
    if (timesOut) fail("HYT00", 0, "[Fake]Query timeout expired");
}

}  // namespace odbcfake
