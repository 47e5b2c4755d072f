// ocsmanager-consumer: one OpenChange session on the command line. It
// registers a binding and folders as OpenChange would, subscribes, waits on
// the session descriptor and prints every notification it drains — decoded,
// as JSON, or as the RopNotify bytes in hex. Ids come from OpenChange's TDB
// index (`--mapistore`), as OpenChange itself would give them. The way to
// watch the whole path work without OpenChange.
#include "client_module/indexing_tdb.hpp"
#include "client_module/ocsmanager_client.h"
#include "client_module/rop_notify.hpp"
#include "common/encoding.hpp"
#include "config/config.hpp"

#include <boost/program_options.hpp>

#include <poll.h>
#include <signal.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <memory>
#include <optional>
#include <iostream>
#include <string>
#include <vector>

namespace po = boost::program_options;

namespace {

constexpr int kUsage = 2;
volatile sig_atomic_t interrupted = 0;

void onSignal(int)
{
    interrupted = 1;
}

struct Subscription {
    std::uint32_t handle = 1;
    std::uint16_t flags = OCS_FNEV_NEW_MAIL;
    std::uint64_t fid = 0;
    std::uint64_t mid = 0;
    ocs_table_type table = OCS_TABLE_NONE;
};

struct Options {
    std::string stateDir = "state";
    std::string configFile;
    std::string user;
    std::string session;
    std::vector<std::string> bindings; // BACKEND:BACKEND_USER
    std::vector<std::string> folders;  // URI or FID=URI
    std::string mapistore = "mapistore";
    std::vector<std::string> subscriptions;
    std::string format = "text";
    unsigned long count = 0; // stop after this many notifications (0: never)
    unsigned timeout = 0;    // seconds without a notification before giving up (0: never)
};

std::uint64_t number(const std::string& text)
{
    std::size_t used = 0;
    const std::uint64_t value = std::stoull(text, &used, 0);
    if (used != text.size())
        throw std::invalid_argument(text);
    return value;
}

std::uint16_t flagsOf(const std::string& text)
{
    static const std::vector<std::pair<std::string, std::uint16_t>> names = {
        {"NewMail", OCS_FNEV_NEW_MAIL},
        {"ObjectCreated", OCS_FNEV_OBJECT_CREATED},
        {"ObjectDeleted", OCS_FNEV_OBJECT_DELETED},
        {"ObjectModified", OCS_FNEV_OBJECT_MODIFIED},
        {"ObjectMoved", OCS_FNEV_OBJECT_MOVED},
        {"ObjectCopied", OCS_FNEV_OBJECT_COPIED},
        {"TableModified", OCS_FNEV_TABLE_MODIFIED}};
    if (!text.empty() && std::isdigit(static_cast<unsigned char>(text[0])))
        return static_cast<std::uint16_t>(number(text));
    std::uint16_t flags = 0;
    std::size_t start = 0;
    while (start <= text.size()) {
        const auto end = std::min(text.find(',', start), text.size());
        const std::string name = text.substr(start, end - start);
        auto found = std::find_if(names.begin(), names.end(), [&](const auto& n) { return n.first == name; });
        if (found == names.end())
            throw std::invalid_argument("unknown notification type " + name);
        flags |= found->second;
        start = end + 1;
    }
    return flags;
}

ocs_table_type tableOf(const std::string& text)
{
    if (text == "none")
        return OCS_TABLE_NONE;
    if (text == "hierarchy")
        return OCS_TABLE_HIERARCHY;
    if (text == "contents")
        return OCS_TABLE_CONTENTS;
    if (text == "associated")
        return OCS_TABLE_ASSOCIATED_CONTENTS;
    throw std::invalid_argument("unknown table " + text);
}

// HANDLE:FLAGS[:FID[:MID[:TABLE]]]
Subscription subscriptionOf(const std::string& text)
{
    std::vector<std::string> parts;
    for (std::size_t start = 0; start <= text.size();) {
        const auto end = std::min(text.find(':', start), text.size());
        parts.push_back(text.substr(start, end - start));
        start = end + 1;
    }
    if (parts.size() < 2 || parts.size() > 5)
        throw std::invalid_argument("expected HANDLE:FLAGS[:FID[:MID[:TABLE]]], got " + text);
    Subscription s;
    s.handle = static_cast<std::uint32_t>(number(parts[0]));
    s.flags = flagsOf(parts[1]);
    s.fid = parts.size() > 2 ? number(parts[2]) : 0;
    s.mid = parts.size() > 3 ? number(parts[3]) : 0;
    s.table = parts.size() > 4 ? tableOf(parts[4]) : OCS_TABLE_NONE;
    return s;
}

int parse(int argc, char** argv, Options& o)
{
    po::options_description options("Usage: ocsmanager-consumer --user USER [options]\nOptions");
    options.add_options()("help,h", "print this help")("state-dir", po::value(&o.stateDir),
                                                       "the daemon's state directory (default: state)")(
        "config,c", po::value(&o.configFile), "take the state directory from this configuration file")(
        "user,u", po::value(&o.user), "the OpenChange user this session is for")(
        "session", po::value(&o.session), "session id (reuse one to resume after a crash; default: new)")(
        "bind", po::value(&o.bindings)->composing(),
        "BACKEND:BACKEND_USER the user works with (repeatable; unbound at exit)")(
        "folder", po::value(&o.folders)->composing(),
        "URI: map a folder of the user with the id OpenChange's index gives it (allocated and registered there "
        "if new), or FID=URI with that id (repeatable)")(
        "mapistore", po::value(&o.mapistore),
        "OpenChange's mapistore directory: ids come from its USER/indexing.tdb, in OpenChange's format, allocated "
        "there as OpenChange would (default: mapistore)")(
        "subscribe", po::value(&o.subscriptions)->composing(),
        "HANDLE:FLAGS[:FID[:MID[:TABLE]]] (repeatable; default 1:NewMail = new mail in the whole store). "
        "FLAGS: names joined by commas (NewMail, ObjectCreated, ObjectDeleted, ObjectModified, ObjectMoved, "
        "ObjectCopied, TableModified) or a number; TABLE: none, hierarchy, contents, associated")(
        "format", po::value(&o.format),
        "text, json or hex (the RopNotify bytes)")("count", po::value(&o.count), "exit after this many notifications")(
        "timeout", po::value(&o.timeout), "exit (status 1) after this many seconds without one");
    po::variables_map values;
    try {
        po::store(po::parse_command_line(argc, argv, options), values);
        po::notify(values);
    } catch (const po::error& e) {
        std::cerr << "ocsmanager-consumer: " << e.what() << "\n" << options;
        return kUsage;
    }
    if (values.count("help")) {
        std::cout << options;
        return -1;
    }
    if (o.user.empty() || (o.format != "text" && o.format != "json" && o.format != "hex")) {
        std::cerr << "ocsmanager-consumer: --user is required; --format is text, json or hex\n";
        return kUsage;
    }
    if (!o.configFile.empty()) {
        auto config = ocs::loadConfig(o.configFile);
        if (!config) {
            std::cerr << "ocsmanager-consumer: " << config.error().detail << "\n";
            return kUsage;
        }
        o.stateDir = config->stateDirectory.string();
    }
    return 0;
}

bool check(ocs_status status, const std::string& what)
{
    if (status == OCS_OK)
        return true;
    std::cerr << "ocsmanager-consumer: " << what << ": " << ocs_status_string(status) << "\n";
    return false;
}

void print(const std::string& format, const std::string& raw)
{
    auto decoded = ocs::client_module::decodeRopNotifies(ocs::ByteView(raw));
    if (!decoded) {
        std::cerr << "ocsmanager-consumer: undecodable notification: " << decoded.error().detail << "\n";
        return;
    }
    if (format == "hex") {
        std::cout << ocs::hexEncode(ocs::ByteView(raw)) << "\n";
        return;
    }
    for (const auto& notify : *decoded)
        std::cout << (format == "json" ? ocs::client_module::toJson(notify) : ocs::client_module::describe(notify))
                  << "\n";
}

std::string idText(std::uint64_t id)
{
    char text[24];
    std::snprintf(text, sizeof text, "0x%016llx", static_cast<unsigned long long>(id));
    return text;
}

using ocs::client_module::IndexingTdbResolver;
using ocs::client_module::MessageLookup;

// The index, as the callbacks OpenChange would install.
ocs_status indexedId(void* context, const char* user, const char* uri, int allocate, uint64_t* mid)
{
    std::vector<MessageLookup> lookups{{uri, allocate != 0, std::nullopt}};
    if (!static_cast<IndexingTdbResolver*>(context)->resolve(user, lookups))
        return OCS_E_STORE;
    if (!lookups[0].mid)
        return OCS_E_NOT_FOUND;
    *mid = *lookups[0].mid;
    return OCS_OK;
}

ocs_status indexedUri(void* context, const char* user, uint64_t mid, char* uri, size_t size)
{
    auto found = static_cast<IndexingTdbResolver*>(context)->messageUri(user, mid);
    if (!found)
        return OCS_E_STORE;
    if (!*found)
        return OCS_E_NOT_FOUND;
    if ((*found)->size() >= size)
        return OCS_E_BUFFER_TOO_SMALL;
    std::memcpy(uri, (*found)->c_str(), (*found)->size() + 1);
    return OCS_OK;
}

struct Run {
    std::unique_ptr<IndexingTdbResolver> index;
    ocs_handle* handle = nullptr;
    ocs_session* session = nullptr;
    std::vector<std::pair<std::string, std::string>> bound;

    ~Run()
    {
        if (session)
            ocs_session_close(session);
        for (const auto& [backend, backendUser] : bound)
            ocs_unbind(handle, user.c_str(), backend.c_str(), backendUser.c_str());
        ocs_close(handle);
    }
    std::string user;
};

int setUp(const Options& o, Run& run)
{
    run.user = o.user;
    if (!check(ocs_open(o.stateDir.c_str(), &run.handle), "open " + o.stateDir))
        return 1;
    // As OpenChange's mapistore_init makes it, owner only.
    std::error_code made;
    if (std::filesystem::create_directories(o.mapistore, made))
        std::filesystem::permissions(o.mapistore, std::filesystem::perms::owner_all, made);
    auto index = IndexingTdbResolver::open(o.mapistore);
    if (!index) {
        std::cerr << "ocsmanager-consumer: " << index.error().detail << "\n";
        return 1;
    }
    run.index = std::move(*index);
    const ocs_id_resolver callbacks{run.index.get(), indexedId, indexedUri};
    if (!check(ocs_set_id_resolver(run.handle, &callbacks), "install the id resolver"))
        return 1;
    for (const std::string& binding : o.bindings) {
        const auto colon = binding.find(':');
        const std::string backend = binding.substr(0, colon);
        const std::string backendUser = colon == std::string::npos ? "" : binding.substr(colon + 1);
        if (!check(ocs_bind(run.handle, o.user.c_str(), backend.c_str(), backendUser.c_str()), "bind " + binding))
            return 1;
        run.bound.emplace_back(backend, backendUser);
    }
    for (const std::string& folder : o.folders) {
        const auto equals = folder.find('=');
        const bool given = equals != std::string::npos && folder.find("://") > equals;
        const std::string uri = given ? folder.substr(equals + 1) : folder;
        std::uint64_t fid = 0;
        if (given) {
            fid = number(folder.substr(0, equals));
        } else if (!check(indexedId(run.index.get(), o.user.c_str(), uri.c_str(), 1, &fid), "index folder " + uri)) {
            return 1;
        }
        if (!check(ocs_map_folder(run.handle, o.user.c_str(), uri.c_str(), fid), "map folder " + folder))
            return 1;
        std::cerr << "ocsmanager-consumer: folder " << uri << " is FID " << idText(fid) << "\n";
    }
    if (!check(
            ocs_session_open(run.handle, o.user.c_str(), o.session.empty() ? nullptr : o.session.c_str(), &run.session),
            "open session"))
        return 1;
    std::vector<std::string> specs = o.subscriptions.empty() ? std::vector<std::string>{"1:NewMail"} : o.subscriptions;
    for (const std::string& spec : specs) {
        const Subscription s = subscriptionOf(spec);
        if (!check(ocs_subscribe(run.session, s.handle, s.flags, s.fid, s.mid, s.table), "subscribe " + spec))
            return 1;
    }
    std::cerr << "ocsmanager-consumer: session " << ocs_session_id(run.session) << " of " << o.user
              << " waiting for notifications\n";
    return 0;
}

int consume(const Options& o, Run& run)
{
    std::vector<std::uint8_t> buffer(64 * 1024);
    unsigned long seen = 0;
    auto lastSeen = std::chrono::steady_clock::now();
    while (!interrupted && (o.count == 0 || seen < o.count)) {
        pollfd p{ocs_session_fd(run.session), POLLIN, 0};
        if (::poll(&p, 1, 200) < 0 && errno != EINTR)
            return 1;
        if (o.timeout && std::chrono::steady_clock::now() - lastSeen > std::chrono::seconds(o.timeout)) {
            std::cerr << "ocsmanager-consumer: no notification for " << o.timeout << " s\n";
            return 1;
        }
        if (!(p.revents & POLLIN))
            continue;
        std::size_t written = 0, count = 0;
        if (!check(ocs_drain(run.session, 0, buffer.data(), buffer.size(), &written, &count), "drain"))
            return 1;
        if (count == 0)
            continue;
        print(o.format, std::string(reinterpret_cast<const char*>(buffer.data()), written));
        std::cout.flush();
        seen += count;
        lastSeen = std::chrono::steady_clock::now();
    }
    return 0;
}

} // namespace

int main(int argc, char** argv)
{
    Options options;
    if (int status = parse(argc, argv, options); status != 0)
        return status < 0 ? 0 : status;
    signal(SIGINT, onSignal);
    signal(SIGTERM, onSignal);
    try {
        Run run;
        if (int status = setUp(options, run); status != 0)
            return status;
        return consume(options, run);
    } catch (const std::invalid_argument& e) {
        std::cerr << "ocsmanager-consumer: " << e.what() << "\n";
        return kUsage;
    }
}
