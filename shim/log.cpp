#include "shim/log.h"

#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/null_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/sinks/syslog_sink.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <mutex>

namespace odbcretry {

namespace {
std::mutex log_mutex;
std::shared_ptr<spdlog::logger>& current() {
    static auto* logger = new std::shared_ptr<spdlog::logger>(std::make_shared<spdlog::logger>(
        "odbc-retry", std::make_shared<spdlog::sinks::null_sink_mt>()));
    return *logger;
}
std::string configured_key;  // level + file the logger was built for

spdlog::level::level_enum level_of(const std::string& name) {
    if (name == "trace") return spdlog::level::trace;
    if (name == "debug") return spdlog::level::debug;
    if (name == "info") return spdlog::level::info;
    if (name == "warn") return spdlog::level::warn;
    if (name == "error") return spdlog::level::err;
    return spdlog::level::off;
}
}  // namespace

LogSink log_sink_of(std::string_view log_file) {
    if (log_file.empty() || log_file == "syslog") return LogSink::Syslog;
    if (log_file == "stderr") return LogSink::Stderr;
    if (log_file == "none") return LogSink::None;
    return LogSink::File;
}

spdlog::logger& logger() {
    return *std::atomic_load(&current());
}

void configure_logging(const ResolvedConfig& config) {
    const Settings& s = config.settings;
    std::string key = s.log_level + "|" + s.log_file;
    std::lock_guard lock(log_mutex);
    if (key == configured_key) return;
    std::shared_ptr<spdlog::sinks::sink> sink;
    // A library must not write into its host's output (CGI pages, cron mail, pipelines): the
    // default sink is syslog (the journal), standard error only when asked for by name.
    auto syslog_sink = [] {
        return std::make_shared<spdlog::sinks::syslog_sink_mt>("odbc-retry", LOG_PID, LOG_USER,
                                                               false);
    };
    const LogSink where = log_sink_of(s.log_file);
    try {
        if (s.log_level == "off" || where == LogSink::None)
            sink = std::make_shared<spdlog::sinks::null_sink_mt>();
        else if (where == LogSink::Syslog)
            sink = syslog_sink();
        else if (where == LogSink::Stderr)
            sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
        else
            sink = std::make_shared<spdlog::sinks::basic_file_sink_mt>(s.log_file, false);
    } catch (const std::exception&) {
        sink = syslog_sink();  // an unwritable file: the lines go to syslog instead
    }
    auto logger = std::make_shared<spdlog::logger>("odbc-retry", sink);
    logger->set_level(level_of(s.log_level));
    logger->set_pattern("%Y-%m-%dT%H:%M:%S.%e %l odbc-retry[%P:%t] %v");
    logger->flush_on(spdlog::level::trace);
    std::atomic_store(&current(), logger);
    configured_key = key;
}

std::string describe_target(const Settings& s) {
    return s.target_dsn.empty() ? "driver " + s.target_driver : "DSN " + s.target_dsn;
}

void log_connected(const ResolvedConfig& config, const std::string& dsn) {
    auto& log = logger();
    if (!log.should_log(spdlog::level::info)) return;
    log.info("connected dsn={} target={}", dsn.empty() ? "(none)" : dsn,
             describe_target(config.settings));
}

}  // namespace odbcretry
