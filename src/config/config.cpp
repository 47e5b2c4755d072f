// The option table: every setting of the daemon declared once, with its kind
// (parser, validator, unit) and description. Defaults are not repeated here:
// they are whatever a default-constructed Config holds, so config.hpp stays
// the one place that sets them.
#include "config/config.hpp"

#include <boost/property_tree/ini_parser.hpp>
#include <boost/property_tree/ptree.hpp>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <fstream>
#include <functional>
#include <limits>
#include <optional>
#include <sstream>
#include <string_view>
#include <type_traits>

namespace ocs {
namespace {

// What is wrong with one value, phrased to follow "section.option: ".
using Problem = std::optional<std::string>;

// Where an option lives inside Config.
template <typename T> using Field = std::function<T&(Config&)>;

template <typename Section, typename T> Field<T> field(Section Config::*section, T Section::*member)
{
    return [section, member](Config& config) -> T& { return (config.*section).*member; };
}

template <typename T> Field<T> field(T Config::*member)
{
    return [member](Config& config) -> T& { return config.*member; };
}

// How an option's text becomes a value: set() stores it or returns the
// problem; show() gives the current value as it would be written in the file.
struct Kind {
    std::string unit;
    std::function<Problem(Config&, const std::string&)> set;
    std::function<std::string(Config&)> show;
};

struct Option {
    std::string_view section;
    std::string_view name;
    Kind kind;
    std::string_view description;

    std::string key() const { return std::string(section) + "." + std::string(name); }
};

std::string trim(std::string_view text)
{
    const char* blanks = " \t\r\n\f\v";
    const auto first = text.find_first_not_of(blanks);
    if (first == std::string_view::npos)
        return {};
    return std::string(text.substr(first, text.find_last_not_of(blanks) - first + 1));
}

std::string got(const std::string& text)
{
    return ", got \"" + text + "\"";
}

std::optional<std::uint64_t> parseUnsigned(std::string_view text)
{
    std::uint64_t value = 0;
    const char* end = text.data() + text.size();
    const auto [stop, failure] = std::from_chars(text.data(), end, value);
    if (text.empty() || failure != std::errc() || stop != end)
        return std::nullopt;
    return value;
}

// A byte count, optionally with a 1024-based K, M or G suffix.
std::optional<std::uint64_t> parseBytes(std::string_view text)
{
    std::uint64_t scale = 1;
    if (!text.empty()) {
        switch (std::toupper(static_cast<unsigned char>(text.back()))) {
        case 'K':
            scale = 1ULL << 10;
            break;
        case 'M':
            scale = 1ULL << 20;
            break;
        case 'G':
            scale = 1ULL << 30;
            break;
        }
        if (scale != 1)
            text.remove_suffix(1);
    }
    const auto value = parseUnsigned(text);
    if (!value || *value > std::numeric_limits<std::uint64_t>::max() / scale)
        return std::nullopt;
    return *value * scale;
}

std::string range(std::uint64_t min, std::uint64_t max)
{
    return "from " + std::to_string(min) + " to " + std::to_string(max);
}

template <typename T> Kind integer(Field<T> at, std::uint64_t min, std::uint64_t max)
{
    return {"",
            [=](Config& config, const std::string& text) -> Problem {
                const auto value = parseUnsigned(text);
                if (!value || *value < min || *value > max)
                    return "expected an integer " + range(min, max) + got(text);
                at(config) = static_cast<T>(*value);
                return std::nullopt;
            },
            [=](Config& config) { return std::to_string(at(config)); }};
}

// A whole number of the duration's unit: seconds or milliseconds.
template <typename Duration> Kind duration(Field<Duration> at, std::uint64_t min, std::uint64_t max)
{
    constexpr bool inSeconds = std::is_same_v<Duration, std::chrono::seconds>;
    static_assert(inSeconds || std::is_same_v<Duration, std::chrono::milliseconds>);
    const std::string unit = inSeconds ? "seconds" : "milliseconds";
    return {inSeconds ? "s" : "ms",
            [=](Config& config, const std::string& text) -> Problem {
                const auto value = parseUnsigned(text);
                if (!value || *value < min || *value > max)
                    return "expected a number of " + unit + " " + range(min, max) + got(text);
                at(config) = Duration(*value);
                return std::nullopt;
            },
            [=](Config& config) { return std::to_string(at(config).count()); }};
}

template <typename T> Kind bytes(Field<T> at, std::uint64_t min, std::uint64_t max)
{
    return {"bytes",
            [=](Config& config, const std::string& text) -> Problem {
                const auto value = parseBytes(text);
                if (!value || *value < min || *value > max)
                    return "expected a size in bytes " + range(min, max) + " (K, M and G suffixes allowed)" + got(text);
                at(config) = static_cast<T>(*value);
                return std::nullopt;
            },
            [=](Config& config) { return std::to_string(at(config)); }};
}

// true/yes/on/1 or false/no/off/0, in any case.
std::optional<bool> parseFlag(const std::string& text)
{
    std::string word = text;
    std::transform(word.begin(), word.end(), word.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (word == "true" || word == "yes" || word == "on" || word == "1")
        return true;
    if (word == "false" || word == "no" || word == "off" || word == "0")
        return false;
    return std::nullopt;
}

const char* const kFlagExpected = "expected true/false, yes/no, on/off or 1/0";

Kind flag(Field<bool> at)
{
    return {"",
            [=](Config& config, const std::string& text) -> Problem {
                const auto value = parseFlag(text);
                if (!value)
                    return kFlagExpected + got(text);
                at(config) = *value;
                return std::nullopt;
            },
            [=](Config& config) { return std::string(at(config) ? "true" : "false"); }};
}

Kind text(Field<std::string> at)
{
    return {"",
            [=](Config& config, const std::string& value) -> Problem {
                at(config) = value;
                return std::nullopt;
            },
            [=](Config& config) { return at(config); }};
}

Kind oneOf(Field<std::string> at, std::vector<std::string> choices)
{
    return {"",
            [=](Config& config, const std::string& value) -> Problem {
                if (std::find(choices.begin(), choices.end(), value) != choices.end()) {
                    at(config) = value;
                    return std::nullopt;
                }
                std::string list;
                for (const std::string& choice : choices)
                    list += (list.empty() ? "" : ", ") + choice;
                return "expected one of " + list + got(value);
            },
            [=](Config& config) { return at(config); }};
}

Kind directory(Field<std::filesystem::path> at)
{
    return {"",
            [=](Config& config, const std::string& value) -> Problem {
                if (value.empty())
                    return std::string("expected a directory path, got nothing");
                at(config) = value;
                return std::nullopt;
            },
            [=](Config& config) { return at(config).string(); }};
}

Kind address(Field<std::string> at)
{
    return {"",
            [=](Config& config, const std::string& value) -> Problem {
                const auto parsed = parseListen(value);
                if (!parsed)
                    return parsed.error().detail;
                at(config) = value;
                return std::nullopt;
            },
            [=](Config& config) { return at(config); }};
}

const std::vector<Option>& optionTable()
{
    static const std::vector<Option> table = {
        {"server", "listen", address(field(&Config::server, &ServerConfig::listen)),
         "Address and port serving both services: host:port, or [IPv6]:port such as [::]:5000."},
        {"server", "allow_plain_http", flag(field(&Config::server, &ServerConfig::allowPlainHttp)),
         "Allow plain HTTP (no TLS certificate) on an address other than loopback."},
        {"server", "workers", integer(field(&Config::server, &ServerConfig::workers), 1, 256),
         "Worker threads handling requests; idle keep-alive connections do not hold one, a NewMail or Notify "
         "holds its worker until its commit is durable."},
        {"server", "max_connections", integer(field(&Config::server, &ServerConfig::maxConnections), 1, 100000),
         "Most connections open at once, idle keep-alive connections included."},
        {"server", "backlog", integer(field(&Config::server, &ServerConfig::backlog), 1, 65535),
         "Connections the kernel queues before the daemon accepts them (listen(2) backlog)."},
        {"server", "keepalive_timeout", duration(field(&Config::server, &ServerConfig::keepaliveTimeout), 1, 3600),
         "How long an idle keep-alive connection waits for its next request."},
        {"server", "max_keepalive_requests",
         integer(field(&Config::server, &ServerConfig::maxKeepaliveRequests), 1, 1000000),
         "Requests served on one connection before it is closed."},
        {"server", "recv_timeout", duration(field(&Config::server, &ServerConfig::recvTimeout), 1, 3600),
         "Longest wait for the next piece of a request that has started."},
        {"server", "send_timeout", duration(field(&Config::server, &ServerConfig::sendTimeout), 1, 3600),
         "Longest wait for the client to take the next piece of a response."},
        {"server", "transfer_timeout", duration(field(&Config::server, &ServerConfig::transferTimeout), 1, 86400),
         "Longest time a whole request or response may take, however steadily it trickles."},
        {"server", "metrics", flag(field(&Config::server, &ServerConfig::metrics)),
         "Serve GET /metrics (Prometheus text format) on the service port."},

        {"tls", "certificate_file", text(field(&Config::tls, &TlsConfig::certificateFile)),
         "PEM file with the server certificate and its chain; empty means plain HTTP. Set with key_file."},
        {"tls", "key_file", text(field(&Config::tls, &TlsConfig::keyFile)),
         "PEM file with the private key of certificate_file. Set with certificate_file."},
        {"tls", "min_version", oneOf(field(&Config::tls, &TlsConfig::minVersion), {"1.2", "1.3"}),
         "Oldest TLS version accepted: 1.2 or 1.3."},

        {"limits", "max_request_bytes", bytes(field(&Config::limits, &LimitsConfig::maxRequestBytes), 1024, 64 << 20),
         "Largest request body accepted; a larger one is refused and its connection closed."},
        {"limits", "max_depth", integer(field(&Config::limits, &LimitsConfig::maxDepth), 8, 1000),
         "Deepest XML nesting accepted; below 8 the service cannot read its own messages."},
        {"limits", "max_occurs", integer(field(&Config::limits, &LimitsConfig::maxOccurs), 1, 100000),
         "Most repetitions of one element in a request: the largest number of events in one Notify batch."},
        {"limits", "max_field_length", bytes(field(&Config::limits, &LimitsConfig::maxFieldLength), 16, 65536),
         "Longest text field accepted in a request."},

        {"auth", "challenge_ttl", duration(field(&Config::auth, &AuthConfig::challengeTtl), 1, 3600),
         "How long a GetToken challenge stays usable for Login."},
        {"auth", "session_ttl", duration(field(&Config::auth, &AuthConfig::sessionTtl), 1, 604800),
         "How long a session from Login stays valid."},
        {"auth", "iterations", integer(field(&Config::auth, &AuthConfig::iterations), 4096, 10000000),
         "PBKDF2 iteration count of new SCRAM verifiers, also announced to unknown logins; at least 4096 (RFC 7677)."},
        {"auth", "max_failures_per_account",
         integer(field(&Config::auth, &AuthConfig::maxFailuresPerAccount), 1, 1000000),
         "Failed logins of one account within failure_window before it is throttled."},
        {"auth", "max_failures_per_address",
         integer(field(&Config::auth, &AuthConfig::maxFailuresPerAddress), 1, 1000000),
         "Failed logins from one client address within failure_window before it is throttled."},
        {"auth", "failure_window", duration(field(&Config::auth, &AuthConfig::failureWindow), 1, 86400),
         "Period over which failed logins are counted."},
        {"auth", "max_challenges", integer(field(&Config::auth, &AuthConfig::maxChallenges), 1, 10000000),
         "Most outstanding challenges held at once."},
        {"auth", "max_sessions", integer(field(&Config::auth, &AuthConfig::maxSessions), 1, 10000000),
         "Most live sessions held at once."},

        {"log", "level", oneOf(field(&Config::log, &LogConfig::level), {"trace", "debug", "info", "warning", "error"}),
         "Least severe messages logged: trace, debug, info, warning or error."},
        {"log", "console", flag(field(&Config::log, &LogConfig::console)), "Log to standard error."},
        {"log", "file", text(field(&Config::log, &LogConfig::file)),
         "Also log to this file, reopened on SIGHUP; empty means no log file."},
        {"log", "syslog", flag(field(&Config::log, &LogConfig::syslog)), "Also log to the local syslog."},

        {"store", "sync", flag(field(&Config::store, &StoreConfig::sync)),
         "Make every commit durable (fdatasync of the journal) before answering. false trades the last moments before "
         "a power "
         "loss (not a process crash) for speed."},
        {"store", "retained_entries", integer(field(&Config::store, &StoreConfig::retainedEntries), 1, 10000000),
         "Entries kept per queue; a consumer further behind is told it missed events."},
        {"store", "duplicate_window", duration(field(&Config::store, &StoreConfig::duplicateWindow), 1, 604800),
         "A message reported again within this long (NewMail, or created, moved or copied to a URI reported before) "
         "is answered duplicate and queues nothing."},
        {"store", "duplicate_window_messages",
         integer(field(&Config::store, &StoreConfig::duplicateWindowMessages), 1000, 100000000),
         "Most recent messages the duplicate window holds (about 50 bytes of memory each); beyond it the oldest "
         "leave the window first."},
        {"store", "commit_batch", integer(field(&Config::store, &StoreConfig::commitBatch), 1, 100000),
         "Most requests whose events share one commit (and one fsync)."},
        {"store", "max_apply_pause", duration(field(&Config::store, &StoreConfig::maxApplyPause), 0, 10000),
         "After each transaction applying the journal to store.tdb, the applier pauses as long as it took, at most "
         "this long: under load, fewer and larger transactions cost less per event, and wake sessions later. 0 "
         "never pauses."},

        {"state", "directory", directory(field(&Config::stateDirectory)),
         "Directory of the tdb stores; relative to the daemon's working directory unless absolute."},
    };
    return table;
}

const Option* findOption(const std::string& section, const std::string& name)
{
    for (const Option& option : optionTable()) {
        if (option.section == section && option.name == name)
            return &option;
    }
    return nullptr;
}

bool knownSection(const std::string& section)
{
    const auto& table = optionTable();
    return std::any_of(table.begin(), table.end(), [&](const Option& option) { return option.section == section; });
}

std::string sectionList()
{
    std::string list;
    std::string_view last;
    for (const Option& option : optionTable()) {
        if (option.section != last)
            list += (list.empty() ? "" : ", ") + std::string(option.section);
        last = option.section;
    }
    return list;
}

// A rule between options, broken: the options involved, the one to blame
// first, and what is wrong.
struct Violation {
    std::vector<std::string> keys;
    std::string problem;
};

std::optional<Violation> checkRules(const Config& config)
{
    if (config.tls.certificateFile.empty() != config.tls.keyFile.empty()) {
        Violation violation{{"tls.certificate_file", "tls.key_file"},
                            "tls.certificate_file and tls.key_file go together: set both or neither"};
        if (config.tls.certificateFile.empty())
            std::swap(violation.keys[0], violation.keys[1]);
        return violation;
    }
    return std::nullopt;
}

// ptree keeps no line numbers, so find "name =" under "[section]" (or the
// header itself when name is empty) the way ini_parser reads the lines.
// 0 when not found.
unsigned long lineOf(const std::string& fileText, const std::string& section, const std::string& name)
{
    std::istringstream lines(fileText);
    std::string line;
    std::string current;
    for (unsigned long number = 1; std::getline(lines, line); ++number) {
        line = trim(line);
        if (line.empty() || line[0] == ';' || line[0] == '#')
            continue;
        if (line[0] == '[') {
            current = trim(line.substr(1, line.find(']') - 1));
            if (name.empty() && current == section)
                return number;
        } else if (!name.empty() && current == section && trim(line.substr(0, line.find('='))) == name) {
            return number;
        }
    }
    return 0;
}

class FileErrors {
  public:
    FileErrors(const std::filesystem::path& file, const std::string& text) : file_(file.string()), text_(text) {}

    Error at(unsigned long line, const std::string& subject, const std::string& field, const std::string& problem) const
    {
        const std::string where = line ? file_ + ":" + std::to_string(line) : file_;
        return makeError(ErrorCode::InvalidParameter, field, where + ": " + subject + ": " + problem);
    }

    Error option(const std::string& section, const std::string& name, const std::string& problem) const
    {
        const std::string key = section + "." + name;
        return at(lineOf(text_, section, name), key, key, problem);
    }

  private:
    std::string file_;
    const std::string& text_;
};

Status applySection(Config& config, const std::string& section, const boost::property_tree::ptree& values,
                    const FileErrors& errors)
{
    for (const auto& [name, value] : values) {
        const Option* option = findOption(section, name);
        if (!option && section == "store" && name == "replica_id")
            return errors.option(section, name,
                                 "no longer an option: message ids come from OpenChange's allocator (since 0.2.0); "
                                 "remove the line");
        if (!option)
            return errors.option(section, name, "unknown option");
        if (const Problem problem = option->kind.set(config, value.data()))
            return errors.option(section, name, *problem);
    }
    return {};
}

Error overrideError(const std::string& assignment, const std::string& key, const std::string& problem)
{
    return makeError(ErrorCode::InvalidParameter, key, "--set " + assignment + ": " + problem);
}

constexpr std::string_view kBackendPrefix = "backend.";

bool isBackendSection(const std::string& section)
{
    return section.rfind(kBackendPrefix, 0) == 0;
}

// A template may use only the placeholders it can be given.
Problem checkTemplate(const std::string& value, const std::vector<std::string_view>& allowed, std::string_view required)
{
    if (value.find("://") == std::string::npos || value.find("://") == 0)
        return "expected a URI template such as sogo://{user}@{folder}/" + got(value);
    for (auto open = value.find('{'); open != std::string::npos; open = value.find('{', open + 1)) {
        const auto close = value.find('}', open);
        const std::string_view name = std::string_view(value).substr(open + 1, close - open - 1);
        if (close == std::string::npos || std::find(allowed.begin(), allowed.end(), name) == allowed.end())
            return "unknown placeholder in" + got(value);
    }
    if (value.find("{" + std::string(required) + "}") == std::string::npos)
        return "the template needs {" + std::string(required) + "}" + got(value);
    return std::nullopt;
}

// Sets one option of backend `name`, adding the backend when it is new.
Problem setBackendOption(Config& config, const std::string& name, const std::string& option, const std::string& value)
{
    if (name.empty() ||
        name.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-") != std::string::npos)
        return "a backend name is letters, digits, _ and -" + got(name);
    auto backend = std::find_if(config.backends.begin(), config.backends.end(),
                                [&](const BackendConfig& b) { return b.name == name; });
    if (backend == config.backends.end())
        backend = config.backends.insert(config.backends.end(), BackendConfig{name, {}, {}, true});
    if (option == "folder_uri") {
        if (Problem problem = checkTemplate(value, {"user", "folder"}, "folder"))
            return problem;
        backend->folderUri = value;
    } else if (option == "message_uri") {
        if (Problem problem = checkTemplate(value, {"user", "folder", "message"}, "message"))
            return problem;
        backend->messageUri = value;
    } else if (option == "case_sensitive") {
        const auto sensitive = parseFlag(value);
        if (!sensitive)
            return kFlagExpected + got(value);
        backend->caseSensitive = *sensitive;
    } else {
        return std::string("unknown option; a backend has folder_uri, message_uri and case_sensitive");
    }
    return std::nullopt;
}

std::optional<std::string> incompleteBackend(const Config& config)
{
    for (const BackendConfig& backend : config.backends) {
        if (backend.folderUri.empty() || backend.messageUri.empty())
            return backend.name;
    }
    return std::nullopt;
}

} // namespace

BackendConfig defaultSogoBackend()
{
    return {"SOGo", "sogo://{user}@{folder}/", "sogo://{user}@{folder}/{message}.eml", false};
}

Result<std::pair<std::string, unsigned short>> parseListen(const std::string& listen)
{
    const auto bad = [&] {
        return makeError(ErrorCode::InvalidParameter, "server.listen",
                         "expected host:port or [IPv6]:port with a port from 0 (any free port) to 65535" + got(listen));
    };
    std::string host;
    std::string_view port;
    if (!listen.empty() && listen[0] == '[') {
        const auto close = listen.find(']');
        if (close == std::string::npos || close + 1 >= listen.size() || listen[close + 1] != ':')
            return bad();
        host = listen.substr(1, close - 1);
        port = std::string_view(listen).substr(close + 2);
        if (host.find(':') == std::string::npos)
            return bad();
    } else {
        const auto colon = listen.rfind(':');
        if (colon == std::string::npos)
            return bad();
        host = listen.substr(0, colon);
        port = std::string_view(listen).substr(colon + 1);
        if (host.find_first_of(":[]") != std::string::npos)
            return bad();
    }
    const auto number = parseUnsigned(port);
    if (host.empty() || host.find_first_of(" \t") != std::string::npos || !number || *number > 65535)
        return bad();
    return std::make_pair(host, static_cast<unsigned short>(*number));
}

Result<Config> loadConfig(const std::filesystem::path& file)
{
    std::error_code ignored;
    if (std::filesystem::is_directory(file, ignored))
        return makeError(ErrorCode::InvalidParameter, {}, file.string() + ": is a directory, not a configuration file");
    std::ifstream in(file, std::ios::binary);
    if (!in)
        return makeError(ErrorCode::InvalidParameter, {},
                         file.string() + ": cannot open the configuration file: " + std::strerror(errno));
    std::ostringstream content;
    content << in.rdbuf();
    if (in.bad())
        return makeError(ErrorCode::InvalidParameter, {}, file.string() + ": cannot read the configuration file");
    const std::string text = content.str();
    const FileErrors errors(file, text);

    boost::property_tree::ptree tree;
    try {
        std::istringstream stream(text);
        boost::property_tree::ini_parser::read_ini(stream, tree);
    } catch (const boost::property_tree::ini_parser_error& e) {
        return errors.at(e.line(), "syntax error", {}, e.message());
    }

    Config config;
    // Backends written in the file replace the embedded ones.
    if (std::any_of(tree.begin(), tree.end(), [](const auto& child) { return isBackendSection(child.first); }))
        config.backends.clear();
    for (const auto& [section, values] : tree) {
        // ini_parser drops empty sections, so a child without children is a
        // key written before the first [section] header.
        if (values.empty())
            return errors.at(lineOf(text, "", section), section, section,
                             "option outside any section; put it under its [section] header");
        if (isBackendSection(section)) {
            const std::string name = section.substr(kBackendPrefix.size());
            for (const auto& [option, value] : values) {
                if (const Problem problem = setBackendOption(config, name, option, value.data()))
                    return errors.option(section, option, *problem);
            }
            continue;
        }
        if (!knownSection(section))
            return errors.at(lineOf(text, section, ""), "[" + section + "]", section,
                             "unknown section; the sections are " + sectionList() + ", and backend.NAME");
        if (Status applied = applySection(config, section, values, errors); !applied)
            return applied.error();
    }
    if (const auto incomplete = incompleteBackend(config))
        return errors.at(lineOf(text, "backend." + *incomplete, ""), "[backend." + *incomplete + "]",
                         "backend." + *incomplete, "a backend needs both folder_uri and message_uri");

    if (const auto violation = checkRules(config)) {
        for (const std::string& key : violation->keys) {
            const auto dot = key.find('.');
            if (const auto line = lineOf(text, key.substr(0, dot), key.substr(dot + 1)))
                return errors.at(line, key, key, violation->problem);
        }
        return errors.at(0, violation->keys.front(), violation->keys.front(), violation->problem);
    }
    return config;
}

Status applyOverrides(Config& config, const std::vector<std::string>& assignments)
{
    Config updated = config;
    std::vector<std::pair<std::string, std::string>> applied; // (key, assignment)
    for (const std::string& assignment : assignments) {
        const auto equals = assignment.find('=');
        const std::string key = trim(assignment.substr(0, equals));
        const auto dot = key.find('.');
        if (equals == std::string::npos || dot == std::string::npos)
            return overrideError(assignment, key, "expected section.option=value");
        if (isBackendSection(key)) {
            const auto lastDot = key.rfind('.');
            const std::string name = key.substr(kBackendPrefix.size(), lastDot - kBackendPrefix.size());
            if (lastDot < kBackendPrefix.size())
                return overrideError(assignment, key, "expected backend.NAME.option=value");
            if (const Problem problem =
                    setBackendOption(updated, name, key.substr(lastDot + 1), trim(assignment.substr(equals + 1))))
                return overrideError(assignment, key, *problem);
            continue;
        }
        const Option* option = findOption(key.substr(0, dot), key.substr(dot + 1));
        if (!option)
            return overrideError(assignment, key, "unknown option " + key);
        if (const Problem problem = option->kind.set(updated, trim(assignment.substr(equals + 1))))
            return overrideError(assignment, key, *problem);
        applied.emplace_back(key, assignment);
    }

    if (const auto incomplete = incompleteBackend(updated))
        return makeError(ErrorCode::InvalidParameter, "backend." + *incomplete,
                         "--set: backend " + *incomplete + " needs both folder_uri and message_uri");
    if (const auto violation = checkRules(updated)) {
        // Blame the last override that touched one of the options involved.
        for (auto it = applied.rbegin(); it != applied.rend(); ++it) {
            const auto& keys = violation->keys;
            if (std::find(keys.begin(), keys.end(), it->first) != keys.end())
                return overrideError(it->second, it->first, violation->problem);
        }
        return makeError(ErrorCode::InvalidParameter, violation->keys.front(), "--set: " + violation->problem);
    }
    config = std::move(updated);
    return {};
}

std::vector<OptionDoc> describeOptions()
{
    Config defaults;
    std::vector<OptionDoc> docs;
    for (const Option& option : optionTable())
        docs.push_back({option.key(), option.kind.show(defaults), option.kind.unit, std::string(option.description)});
    return docs;
}

} // namespace ocs
