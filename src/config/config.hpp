// The daemon's configuration: every option, its default and unit, declared
// once in config.cpp's option table; conf/ocsmanager.ini and
// doc/configuration.md list the same options.
#pragma once

#include "common/result.hpp"

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

namespace ocs {

struct ServerConfig {
    std::string listen = "127.0.0.1:5000";
    bool allowPlainHttp = false; // plain HTTP on a non-loopback address
    unsigned workers = 32;
    unsigned maxConnections = 1024;
    unsigned backlog = 128;
    std::chrono::seconds keepaliveTimeout{30};
    unsigned maxKeepaliveRequests = 1000;
    std::chrono::seconds recvTimeout{10};
    std::chrono::seconds sendTimeout{10};
    std::chrono::seconds transferTimeout{30};
    bool metrics = true; // serve GET /metrics
};

struct TlsConfig {
    std::string certificateFile; // empty: plain HTTP
    std::string keyFile;
    std::string minVersion = "1.2";
};

struct LimitsConfig {
    std::uint64_t maxRequestBytes = 65536;
    unsigned maxDepth = 16;
    unsigned maxOccurs = 1000;
    unsigned maxFieldLength = 1024;
};

struct AuthConfig {
    std::chrono::seconds challengeTtl{60};
    std::chrono::seconds sessionTtl{3600};
    unsigned iterations = 4096;
    unsigned maxFailuresPerAccount = 5;
    unsigned maxFailuresPerAddress = 20;
    std::chrono::seconds failureWindow{300};
    unsigned maxChallenges = 10000;
    unsigned maxSessions = 100000;
};

// Where events go once accepted: the queue store.
struct StoreConfig {
    bool sync = true;                              // fsync every commit before answering
    std::uint64_t retainedEntries = 1000;          // per queue
    std::chrono::seconds duplicateWindow{3600};    // a message URI seen again within it is a duplicate
    std::size_t duplicateWindowMessages = 1000000; // ...among at most this many recent messages
    unsigned commitBatch = 1024;                   // most requests sharing one commit
    std::chrono::milliseconds maxApplyPause{100};  // of the journal applier between transactions
};

// A storage backend producers report for, and how its URIs are formed
// (mapistore style, namespace://backend-specific-data). Templates take
// {user}, {folder} and {message}.
struct BackendConfig {
    std::string name;
    std::string folderUri;
    std::string messageUri;
    bool caseSensitive = true; // false: user names compare case-insensitively
};

BackendConfig defaultSogoBackend();

struct LogConfig {
    std::string level = "info";
    bool console = true;
    std::string file;
    bool syslog = false;
};

struct Config {
    ServerConfig server;
    TlsConfig tls;
    LimitsConfig limits;
    AuthConfig auth;
    LogConfig log;
    StoreConfig store;
    std::vector<BackendConfig> backends = {defaultSogoBackend()};
    std::filesystem::path stateDirectory = "state";
};

// Reads an INI file over the embedded defaults. A bad file gives an error
// whose detail names the file, the line and the option.
Result<Config> loadConfig(const std::filesystem::path& file);

// Applies "section.option=value" overrides (from the command line) in order;
// "backend.NAME.option=value" adds or changes a backend.
Status applyOverrides(Config& config, const std::vector<std::string>& assignments);

// Splits server.listen ("host:port", "[v6]:port") into host and port
// ("[::]:5000" gives "::" and 5000); the port must be 1..65535.
Result<std::pair<std::string, unsigned short>> parseListen(const std::string& listen);

// Every option as (section.option, default text, unit, description), in
// table order: the source of conf/ocsmanager.ini and doc/configuration.md.
struct OptionDoc {
    std::string key;
    std::string defaultValue;
    std::string unit;
    std::string description;
};
std::vector<OptionDoc> describeOptions();

} // namespace ocs
