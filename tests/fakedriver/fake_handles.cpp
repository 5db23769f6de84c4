// SPDX-License-Identifier: Apache-2.0
#include "fake_handles.h"

#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>
#include <unordered_set>

namespace odbcfake {
namespace {

std::mutex registryMutex;
std::unordered_set<Handle*> registry;  // guarded by registryMutex
std::atomic<long> nextId[4] = {1, 1, 1, 1};

constexpr size_t kMaxPendingLogLines = 1000;

}  // namespace

Handle::Handle(Kind k) : kind(k), id(nextId[static_cast<int>(k)]++) {}

Handle::~Handle() {
    magic = 0;
}

Env::Env() : Handle(Kind::Env) {}

Desc::Desc(Dbc* owner, Stmt* implicit) : Handle(Kind::Desc), dbc(owner), implicitOf(implicit) {}

Dbc::Dbc(Env* e) : Handle(Kind::Dbc), env(e) {}

Dbc::~Dbc() {
    if (!logResolved) resolveLog(environmentLogPath());
}

void Dbc::log(const std::string& line) {
    if (!logResolved) {
        if (pendingLog.size() < kMaxPendingLogLines) pendingLog.push_back(line);
        return;
    }
    if (!logPath.empty()) appendLogLine(logPath, line);
}

void Dbc::resolveLog(const std::string& path) {
    logPath = path;
    logResolved = true;
    for (const std::string& line : pendingLog) log(line);
    pendingLog.clear();
}

Stmt::Stmt(Dbc* d) : Handle(Kind::Stmt), dbc(d) {
    for (auto& desc : implicitDescs) {
        desc = std::make_unique<Desc>(d, this);
        registerHandle(desc.get());
    }
    ard = implicitDescs[0].get();
    apd = implicitDescs[1].get();
    queryTimeout = d->queryTimeout;
}

Stmt::~Stmt() {
    for (auto& desc : implicitDescs) unregisterHandle(desc.get());
}

void registerHandle(Handle* handle) {
    std::lock_guard lock(registryMutex);
    registry.insert(handle);
}

void unregisterHandle(Handle* handle) {
    std::lock_guard lock(registryMutex);
    registry.erase(handle);
}

Handle* findHandle(void* pointer, Kind kind) {
    if (pointer == nullptr) return nullptr;
    std::lock_guard lock(registryMutex);
    auto it = registry.find(static_cast<Handle*>(pointer));
    if (it == registry.end()) return nullptr;
    Handle* h = *it;
    return h->magic == kMagic && h->kind == kind ? h : nullptr;
}

void appendLogLine(const std::string& path, const std::string& line) {
    if (path.empty()) return;
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd < 0) return;  // the log is an aid for tests; a call never fails because of it
    std::string text = line + "\n";
    ssize_t ignored = ::write(fd, text.data(), text.size());
    (void)ignored;
    ::close(fd);
}

std::string environmentLogPath() {
    const char* env = std::getenv("ODBCFAKE_LOG");
    return env == nullptr ? std::string() : std::string(env);
}

}  // namespace odbcfake
