// ocsmanager-inspect: shows what a state directory holds — bindings, folder
// map, message index, subscriptions, queues with the cursors of their
// sessions, and the entries of one queue. registry.tdb and store.tdb are
// opened read-only, so it may run next to a live daemon and live OpenChange
// processes. A listing walks a file under tdb's transaction read lock, which
// makes writers wait: rows are collected during the walk and printed after.
#include "config/config.hpp"
#include "store/queue_store.hpp"
#include "store/registry.hpp"
#include "tools/json_writer.hpp"

#include <boost/program_options.hpp>

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <ctime>
#include <iostream>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

namespace {

namespace fs = std::filesystem;
namespace po = boost::program_options;
using namespace ocs;
using namespace ocs::store;
using ocs::tools::JsonWriter;

constexpr int exitOk = 0;
constexpr int exitFailure = 1;
constexpr int exitUsage = 2;

const char* const usageText = "Usage: ocsmanager-inspect [--state-dir DIR | --config FILE] [--json] COMMAND [ARGS]\n"
                              "\n"
                              "Shows what a state directory holds. registry.tdb and store.tdb are opened\n"
                              "read-only: it is safe to run next to a live daemon and OpenChange.\n"
                              "\n"
                              "Commands:\n"
                              "  bindings               backend users and the OpenChange users bound to them\n"
                              "  folders [USER]         the folder map: folder URI and FID\n"
                              "  window                 the duplicate window: its generations of recent messages\n"
                              "  subscriptions [USER]   the subscriptions of MAPI sessions\n"
                              "  queues [USER]          every queue: depth, sequences, cursors of its sessions\n"
                              "  dump USER FID TABLE [--from SEQ] [--limit N]\n"
                              "                         the entries of one queue, oldest first\n"
                              "\n"
                              "FID is hex with 0x or decimal; TABLE is none, hierarchy, contents or associated.\n"
                              "--json prints one JSON array instead of columns. --state-dir defaults to\n"
                              "state.directory of --config, else to \"state\".\n"
                              "\n"
                              "Exit status: 0 success, 1 failure, 2 usage error.\n";

struct Options {
    std::string command;
    std::vector<std::string> args;
    std::optional<fs::path> stateDirectory;
    std::optional<fs::path> configFile;
    std::optional<std::uint64_t> from;
    std::optional<std::uint64_t> limit;
    QueueKey queue; // dump's USER FID TABLE
    bool json = false;
    bool help = false;
};

// A message for stderr; empty when all went well.
using Problem = std::optional<std::string>;

int report(int exitCode, const std::string& message)
{
    std::cerr << "ocsmanager-inspect: " << message << '\n';
    return exitCode;
}

// Something the reader should know that does not make the command fail.
void note(const std::string& message)
{
    std::cerr << "ocsmanager-inspect: " << message << '\n';
}

std::string describe(const Error& error)
{
    return error.detail.empty() ? std::string(error.row().message) : error.detail;
}

// --- values as text -------------------------------------------------------------

std::string hexId(std::uint64_t value)
{
    char text[19];
    std::snprintf(text, sizeof text, "0x%016llx", static_cast<unsigned long long>(value));
    return text;
}

std::string hex(std::uint32_t value, int digits)
{
    char text[11];
    std::snprintf(text, sizeof text, "0x%0*x", digits, static_cast<unsigned>(value));
    return text;
}

// Zero stands for "none" in these id fields of an entry.
std::string hexIdOrDash(std::uint64_t value)
{
    return value == 0 ? "-" : hexId(value);
}

std::string numberOrDash(const std::optional<std::uint32_t>& value)
{
    return value ? std::to_string(*value) : "-";
}

std::string textOrDash(const std::string& text)
{
    return text.empty() ? "-" : text;
}

const std::vector<std::pair<TableType, std::string_view>>& tableNames()
{
    static const std::vector<std::pair<TableType, std::string_view>> names = {
        {TableType::None, "none"},
        {TableType::Hierarchy, "hierarchy"},
        {TableType::Contents, "contents"},
        {TableType::AssociatedContents, "associated"},
    };
    return names;
}

std::string tableName(TableType table)
{
    for (const auto& [value, name] : tableNames()) {
        if (value == table)
            return std::string(name);
    }
    return std::to_string(static_cast<int>(table));
}

std::string kindName(ObjectKind kind)
{
    return kind == ObjectKind::Folder ? "folder" : "message";
}

// The fnev bits of a subscription by name; unknown bits as hex.
std::vector<std::string> fnevNames(std::uint16_t flags)
{
    static const std::vector<std::pair<std::uint16_t, const char*>> names = {
        {fnev::NewMail, "NewMail"},
        {fnev::ObjectCreated, "ObjectCreated"},
        {fnev::ObjectDeleted, "ObjectDeleted"},
        {fnev::ObjectModified, "ObjectModified"},
        {fnev::ObjectMoved, "ObjectMoved"},
        {fnev::ObjectCopied, "ObjectCopied"},
        {fnev::TableModified, "TableModified"},
    };
    std::vector<std::string> out;
    for (const auto& [bit, name] : names) {
        if (flags & bit) {
            out.emplace_back(name);
            flags &= static_cast<std::uint16_t>(~bit);
        }
    }
    for (std::uint16_t bit = 1; bit != 0; bit = static_cast<std::uint16_t>(bit << 1)) {
        if (flags & bit)
            out.push_back(hex(bit, 4));
    }
    return out;
}

std::string joined(const std::vector<std::string>& items)
{
    std::string out;
    for (const std::string& item : items)
        out += (out.empty() ? "" : ",") + item;
    return out.empty() ? "-" : out;
}

// ISO 8601 in UTC with milliseconds: 2024-05-01T12:34:56.789Z.
std::string isoTime(std::int64_t timeMs)
{
    std::int64_t seconds = timeMs / 1000;
    std::int64_t millis = timeMs % 1000;
    if (millis < 0) {
        millis += 1000;
        --seconds;
    }
    const auto clock = static_cast<std::time_t>(seconds);
    std::tm parts{};
    if (gmtime_r(&clock, &parts) == nullptr)
        return std::to_string(timeMs) + "ms";
    char text[64];
    const std::size_t length = std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%S", &parts);
    std::snprintf(text + length, sizeof text - length, ".%03dZ", static_cast<int>(millis));
    return text;
}

// --- human output ---------------------------------------------------------------

// Control characters would break the columns (or the terminal): shown as \xNN.
std::string printable(const std::string& text)
{
    static constexpr char digits[] = "0123456789abcdef";
    std::string out;
    for (char c : text) {
        const auto byte = static_cast<unsigned char>(c);
        if (byte < 0x20 || byte == 0x7f) {
            out += "\\x";
            out += digits[byte >> 4];
            out += digits[byte & 0x0f];
        } else {
            out += c;
        }
    }
    return out;
}

// Characters, not bytes, so that names in UTF-8 line up.
std::size_t displayWidth(const std::string& text)
{
    return static_cast<std::size_t>(
        std::count_if(text.begin(), text.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xc0) != 0x80; }));
}

// Rows under a header line, each column as wide as its widest cell, two
// spaces apart; the last column is not padded.
class Table {
  public:
    explicit Table(std::vector<std::string> header) { rows_.push_back(std::move(header)); }

    void add(std::vector<std::string> row)
    {
        for (std::string& cell : row)
            cell = printable(cell);
        rows_.push_back(std::move(row));
    }

    void print(std::ostream& out) const
    {
        std::vector<std::size_t> widths(rows_.front().size(), 0);
        for (const auto& row : rows_) {
            for (std::size_t i = 0; i < row.size(); ++i)
                widths[i] = std::max(widths[i], displayWidth(row[i]));
        }
        for (const auto& row : rows_) {
            std::string line;
            for (std::size_t i = 0; i < row.size(); ++i) {
                line += row[i];
                if (i + 1 < row.size())
                    line.append(widths[i] - displayWidth(row[i]) + 2, ' ');
            }
            out << line << '\n';
        }
    }

  private:
    std::vector<std::vector<std::string>> rows_;
};

// --- opening the state ----------------------------------------------------------

// Either file may not exist yet (nothing has registered, no event was
// recorded): that is said on stderr and the command shows nothing from it.
struct Sources {
    std::unique_ptr<Registry> registry;
    std::unique_ptr<QueueStore> store;
};

Problem checkStateDirectory(const fs::path& directory)
{
    std::error_code error;
    const fs::file_status status = fs::status(directory, error);
    if (status.type() == fs::file_type::not_found)
        return "state directory " + directory.string() + " does not exist";
    if (error)
        return "state directory " + directory.string() + ": " + error.message();
    if (status.type() != fs::file_type::directory)
        return "state directory " + directory.string() + " is not a directory";
    return std::nullopt;
}

bool fileExists(const fs::path& file)
{
    std::error_code ignored;
    return fs::exists(file, ignored);
}

Problem openRegistry(const fs::path& directory, Sources& sources)
{
    const fs::path file = directory / "registry.tdb";
    if (!fileExists(file)) {
        note("no registry yet: nothing has registered (" + file.string() + " does not exist)");
        return std::nullopt;
    }
    auto registry = Registry::open(directory, Access::ReadOnly);
    if (!registry)
        return describe(registry.error());
    sources.registry = std::move(*registry);
    return std::nullopt;
}

Problem openStore(const fs::path& directory, Sources& sources)
{
    const fs::path file = directory / "store.tdb";
    if (!fileExists(file)) {
        note("no store yet: no event has been recorded (" + file.string() + " does not exist)");
        return std::nullopt;
    }
    QueueStoreOptions options;
    options.access = Access::ReadOnly;
    auto store = QueueStore::open(directory, options);
    if (!store)
        return describe(store.error());
    sources.store = std::move(*store);
    return std::nullopt;
}

bool wanted(const Options& options, const std::string& user)
{
    return options.args.empty() || options.args.front() == user;
}

// --- bindings -------------------------------------------------------------------

struct BindingRow {
    std::string backend;
    std::string backendUser;
    std::vector<BindingHolder> holders;
};

int showBindings(Sources& sources, const Options& options)
{
    std::vector<BindingRow> rows;
    if (sources.registry) {
        Registry::Visitor visitor;
        visitor.binding = [&](const std::string& backend, const std::string& backendUser,
                              const std::vector<BindingHolder>& holders) {
            rows.push_back({backend, backendUser, holders});
        };
        if (Status visited = sources.registry->visit(visitor); !visited)
            return report(exitFailure, describe(visited.error()));
    }
    std::sort(rows.begin(), rows.end(), [](const BindingRow& a, const BindingRow& b) {
        return std::tie(a.backend, a.backendUser) < std::tie(b.backend, b.backendUser);
    });

    if (options.json) {
        JsonWriter json(std::cout);
        json.beginArray();
        for (const BindingRow& row : rows) {
            json.beginObject();
            json.key("backend").value(row.backend);
            json.key("backendUser").value(row.backendUser);
            json.key("users").beginArray();
            for (const BindingHolder& holder : row.holders) {
                json.beginObject();
                json.key("user").value(holder.user);
                json.key("references").value(holder.references);
                json.endObject();
            }
            json.endArray();
            json.endObject();
        }
        json.endArray();
        return exitOk;
    }
    Table table({"BACKEND", "BACKEND-USER", "USER", "REFERENCES"});
    for (const BindingRow& row : rows) {
        for (const BindingHolder& holder : row.holders)
            table.add({row.backend, row.backendUser, holder.user, std::to_string(holder.references)});
    }
    table.print(std::cout);
    return exitOk;
}

// --- folders and messages --------------------------------------------------------

struct IdRow {
    std::string user;
    std::string uri;
    std::uint64_t id = 0;
};

int showFolders(Sources& sources, const Options& options)
{
    std::vector<IdRow> rows;
    if (sources.registry) {
        Registry::Visitor visitor;
        visitor.folder = [&](const std::string& user, const std::string& uri, Fid fid) {
            if (wanted(options, user))
                rows.push_back({user, uri, fid});
        };
        if (Status visited = sources.registry->visit(visitor); !visited)
            return report(exitFailure, describe(visited.error()));
    }
    std::sort(rows.begin(), rows.end(), [](const IdRow& a, const IdRow& b) {
        return std::tie(a.user, a.id, a.uri) < std::tie(b.user, b.id, b.uri);
    });

    if (options.json) {
        JsonWriter json(std::cout);
        json.beginArray();
        for (const IdRow& row : rows) {
            json.beginObject();
            json.key("user").value(row.user);
            json.key("fid").value(hexId(row.id));
            json.key("uri").value(row.uri);
            json.endObject();
        }
        json.endArray();
        return exitOk;
    }
    Table table({"USER", "FID", "URI"});
    for (const IdRow& row : rows)
        table.add({row.user, hexId(row.id), row.uri});
    table.print(std::cout);
    return exitOk;
}

int showWindow(Sources& sources, const Options& options)
{
    std::vector<Generation> generations;
    if (sources.store) {
        Status visited = sources.store->visitGenerations([&](Generation g) {
            g.digests.shrink_to_fit();
            generations.push_back(std::move(g));
        });
        if (!visited)
            return report(exitFailure, describe(visited.error()));
    }
    std::sort(generations.begin(), generations.end(),
              [](const Generation& a, const Generation& b) { return a.number < b.number; });
    if (options.json) {
        JsonWriter json(std::cout);
        json.beginArray();
        for (const Generation& g : generations) {
            json.beginObject();
            json.key("generation").value(g.number);
            json.key("first").value(isoTime(g.firstMs));
            json.key("last").value(isoTime(g.lastMs));
            json.key("messages").value(static_cast<std::uint64_t>(g.digests.size()));
            json.endObject();
        }
        json.endArray();
        return exitOk;
    }
    Table table({"GENERATION", "FIRST", "LAST", "MESSAGES"});
    for (const Generation& g : generations)
        table.add({std::to_string(g.number), isoTime(g.firstMs), isoTime(g.lastMs), std::to_string(g.digests.size())});
    table.print(std::cout);
    return exitOk;
}

// --- subscriptions --------------------------------------------------------------

struct SubscriptionRow {
    std::string user;
    Subscription subscription;
};

int showSubscriptions(Sources& sources, const Options& options)
{
    std::vector<SubscriptionRow> rows;
    if (sources.registry) {
        Registry::Visitor visitor;
        visitor.subscriptions = [&](const std::string& user, const std::vector<Subscription>& list) {
            if (!wanted(options, user))
                return;
            for (const Subscription& subscription : list)
                rows.push_back({user, subscription});
        };
        if (Status visited = sources.registry->visit(visitor); !visited)
            return report(exitFailure, describe(visited.error()));
    }
    std::sort(rows.begin(), rows.end(), [](const SubscriptionRow& a, const SubscriptionRow& b) {
        return std::tie(a.user, a.subscription.session, a.subscription.handle) <
               std::tie(b.user, b.subscription.session, b.subscription.handle);
    });

    if (options.json) {
        JsonWriter json(std::cout);
        json.beginArray();
        for (const SubscriptionRow& row : rows) {
            const Subscription& s = row.subscription;
            json.beginObject();
            json.key("user").value(row.user);
            json.key("session").value(s.session);
            json.key("handle").value(s.handle);
            json.key("flags").value(std::uint32_t{s.flags});
            json.key("flagNames").beginArray();
            for (const std::string& name : fnevNames(s.flags))
                json.value(name);
            json.endArray();
            json.key("fid").value(hexId(s.fid));
            json.key("mid").value(hexId(s.mid));
            json.key("messageUri").value(s.messageUri);
            json.key("table").value(tableName(s.table));
            json.endObject();
        }
        json.endArray();
        return exitOk;
    }
    Table table({"USER", "SESSION", "HANDLE", "FLAGS", "EVENTS", "FID", "MID", "TABLE", "MESSAGE-URI"});
    for (const SubscriptionRow& row : rows) {
        const Subscription& s = row.subscription;
        table.add({row.user, s.session, std::to_string(s.handle), hex(s.flags, 4), joined(fnevNames(s.flags)),
                   hexId(s.fid), hexIdOrDash(s.mid), tableName(s.table), textOrDash(s.messageUri)});
    }
    table.print(std::cout);
    return exitOk;
}

// --- queues ---------------------------------------------------------------------

struct CursorRow {
    std::string session;
    std::uint64_t next = 0; // the next sequence the session reads
};

struct QueueRow {
    QueueState state; // a queue only cursors know of has never had an entry
    std::vector<CursorRow> cursors;
};

// How many entries the session has still to read; negative when its cursor
// is past the queue's end (the store was replaced under the registry).
std::int64_t behind(const QueueState& state, const CursorRow& cursor)
{
    return static_cast<std::int64_t>(state.next - cursor.next);
}

// Entries the session never read were dropped from the retained window.
bool missedEvents(const QueueState& state, const CursorRow& cursor)
{
    return cursor.next < state.first;
}

std::string cursorNote(const QueueState& state, const CursorRow& cursor)
{
    if (missedEvents(state, cursor))
        return "missed events";
    if (cursor.next > state.next)
        return "ahead of queue";
    return "-";
}

Result<std::map<QueueKey, QueueRow>> collectQueues(Sources& sources, const Options& options)
{
    std::map<QueueKey, QueueRow> queues;
    if (sources.store) {
        Status visited = sources.store->visitQueues([&](const QueueKey& key, const QueueState& state) {
            if (wanted(options, key.user))
                queues[key].state = state;
        });
        if (!visited)
            return visited.error();
    }
    if (sources.registry) {
        Registry::Visitor visitor;
        visitor.cursor = [&](const std::string& session, const QueueKey& key, std::uint64_t next) {
            if (wanted(options, key.user))
                queues[key].cursors.push_back({session, next});
        };
        if (Status visited = sources.registry->visit(visitor); !visited)
            return visited.error();
    }
    for (auto& [key, queue] : queues) {
        std::sort(queue.cursors.begin(), queue.cursors.end(),
                  [](const CursorRow& a, const CursorRow& b) { return a.session < b.session; });
    }
    return queues;
}

void printQueuesJson(const std::map<QueueKey, QueueRow>& queues)
{
    JsonWriter json(std::cout);
    json.beginArray();
    for (const auto& [key, queue] : queues) {
        const QueueState& state = queue.state;
        json.beginObject();
        json.key("user").value(key.user);
        json.key("fid").value(hexId(key.fid));
        json.key("table").value(tableName(key.table));
        json.key("depth").value(state.next - state.first);
        json.key("first").value(state.first);
        if (state.empty())
            json.key("last").null();
        else
            json.key("last").value(state.next - 1);
        json.key("next").value(state.next);
        json.key("cursors").beginArray();
        for (const CursorRow& cursor : queue.cursors) {
            json.beginObject();
            json.key("session").value(cursor.session);
            json.key("next").value(cursor.next);
            json.key("behind").value(behind(state, cursor));
            json.key("missedEvents").value(missedEvents(state, cursor));
            json.endObject();
        }
        json.endArray();
        json.endObject();
    }
    json.endArray();
}

void printQueuesTable(const std::map<QueueKey, QueueRow>& queues)
{
    Table table({"USER", "FID", "TABLE", "DEPTH", "FIRST", "LAST", "SESSION", "CURSOR", "BEHIND", "NOTE"});
    for (const auto& [key, queue] : queues) {
        const QueueState& state = queue.state;
        const std::vector<std::string> columns = {key.user,
                                                  hexId(key.fid),
                                                  tableName(key.table),
                                                  std::to_string(state.next - state.first),
                                                  std::to_string(state.first),
                                                  state.empty() ? "-" : std::to_string(state.next - 1)};
        if (queue.cursors.empty()) {
            auto row = columns;
            row.insert(row.end(), {"-", "-", "-", "-"});
            table.add(std::move(row));
        }
        for (const CursorRow& cursor : queue.cursors) {
            auto row = columns;
            row.insert(row.end(), {cursor.session, std::to_string(cursor.next), std::to_string(behind(state, cursor)),
                                   cursorNote(state, cursor)});
            table.add(std::move(row));
        }
    }
    table.print(std::cout);
}

int showQueues(Sources& sources, const Options& options)
{
    auto queues = collectQueues(sources, options);
    if (!queues)
        return report(exitFailure, describe(queues.error()));
    if (options.json)
        printQueuesJson(*queues);
    else
        printQueuesTable(*queues);
    return exitOk;
}

// --- dump -----------------------------------------------------------------------

void printEntriesJson(const std::vector<QueueEntry>& entries)
{
    JsonWriter json(std::cout);
    json.beginArray();
    for (const QueueEntry& entry : entries) {
        json.beginObject();
        json.key("sequence").value(entry.sequence);
        json.key("time").value(isoTime(entry.timeMs));
        json.key("type").value(eventTypeName(entry.type));
        json.key("kind").value(kindName(entry.kind));
        json.key("fid").value(hexId(entry.fid));
        json.key("parentFid").value(hexId(entry.parentFid));
        json.key("oldFid").value(hexId(entry.oldFid));
        json.key("oldParentFid").value(hexId(entry.oldParentFid));
        json.key("messageUri").value(entry.messageUri);
        json.key("oldMessageUri").value(entry.oldMessageUri);
        json.key("messageFlags").value(entry.messageFlags);
        json.key("totalCount").value(entry.totalCount);
        json.key("unreadCount").value(entry.unreadCount);
        json.key("messageClass").value(entry.messageClass);
        json.key("producer").value(entry.producer);
        json.endObject();
    }
    json.endArray();
}

void printEntriesTable(const std::vector<QueueEntry>& entries)
{
    Table table({"SEQ", "TIME", "TYPE", "KIND", "FID", "PARENT-FID", "OLD-FID", "OLD-PARENT", "MESSAGE-URI",
                 "OLD-MESSAGE-URI", "FLAGS", "TOTAL", "UNREAD", "CLASS", "PRODUCER"});
    for (const QueueEntry& entry : entries) {
        table.add({std::to_string(entry.sequence), isoTime(entry.timeMs), std::string(eventTypeName(entry.type)),
                   kindName(entry.kind), hexId(entry.fid), hexIdOrDash(entry.parentFid), hexIdOrDash(entry.oldFid),
                   hexIdOrDash(entry.oldParentFid), textOrDash(entry.messageUri), textOrDash(entry.oldMessageUri),
                   entry.messageFlags ? hex(*entry.messageFlags, 8) : "-", numberOrDash(entry.totalCount),
                   numberOrDash(entry.unreadCount), textOrDash(entry.messageClass), textOrDash(entry.producer)});
    }
    table.print(std::cout);
}

int dumpQueue(Sources& sources, const Options& options)
{
    const QueueKey& queue = options.queue;
    std::vector<QueueEntry> entries;
    if (sources.store) {
        auto state = sources.store->state(queue);
        if (!state)
            return report(exitFailure, describe(state.error()));
        if (options.from && *options.from < state->first && state->first > 1)
            note("entries before sequence " + std::to_string(state->first) + " are no longer retained");
        auto read = sources.store->read(queue, options.from.value_or(0),
                                        options.limit.value_or(std::numeric_limits<std::size_t>::max()));
        if (!read)
            return report(exitFailure, describe(read.error()));
        entries = std::move(*read);
    }
    if (options.json)
        printEntriesJson(entries);
    else
        printEntriesTable(entries);
    return exitOk;
}

// --- the command line -----------------------------------------------------------

struct Command {
    const char* name;
    const char* arguments; // as the usage text shows them
    std::size_t minArgs;
    std::size_t maxArgs;
    bool needsRegistry;
    bool needsStore;
    int (*run)(Sources&, const Options&);
};

const std::vector<Command>& commands()
{
    static const std::vector<Command> table = {
        {"bindings", "", 0, 0, true, false, showBindings},
        {"folders", "[USER]", 0, 1, true, false, showFolders},
        {"window", "", 0, 0, false, true, showWindow},
        {"subscriptions", "[USER]", 0, 1, true, false, showSubscriptions},
        {"queues", "[USER]", 0, 1, true, true, showQueues},
        {"dump", "USER FID TABLE", 3, 3, false, true, dumpQueue},
    };
    return table;
}

const Command* findCommand(const std::string& name)
{
    for (const Command& command : commands()) {
        if (name == command.name)
            return &command;
    }
    return nullptr;
}

bool parseNumber(std::string_view text, std::uint64_t& out)
{
    int base = 10;
    if (text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
        text.remove_prefix(2);
        base = 16;
    }
    const char* end = text.data() + text.size();
    const auto [stop, error] = std::from_chars(text.data(), end, out, base);
    return !text.empty() && error == std::errc() && stop == end;
}

bool parseTable(std::string_view text, TableType& out)
{
    for (const auto& [value, name] : tableNames()) {
        if (name == text) {
            out = value;
            return true;
        }
    }
    return false;
}

// USER FID TABLE of the dump command; checked before anything is opened.
Problem parseQueueKey(const Options& options, QueueKey& out)
{
    out.user = options.args.at(0);
    if (!parseNumber(options.args.at(1), out.fid))
        return "FID: expected hex with 0x or a decimal number, got \"" + options.args.at(1) + "\"";
    if (!parseTable(options.args.at(2), out.table))
        return "TABLE: expected none, hierarchy, contents or associated, got \"" + options.args.at(2) + "\"";
    return std::nullopt;
}

Problem parseCount(const po::variables_map& given, const char* option, std::uint64_t minimum,
                   std::optional<std::uint64_t>& out)
{
    if (!given.count(option))
        return std::nullopt;
    const std::string& text = given[option].as<std::string>();
    std::uint64_t value = 0;
    if (!parseNumber(text, value) || value < minimum)
        return std::string("--") + option + ": expected a number from " + std::to_string(minimum) + ", got \"" + text +
               "\"";
    out = value;
    return std::nullopt;
}

Problem checkCommand(const po::variables_map& given, Options& options)
{
    if (options.command.empty())
        return std::string("no command given");
    const Command* command = findCommand(options.command);
    if (command == nullptr)
        return "unknown command \"" + options.command + "\"";
    if (options.args.size() < command->minArgs || options.args.size() > command->maxArgs)
        return options.command + " takes " + (command->maxArgs == 0 ? "no arguments" : command->arguments);
    if (options.command != "dump" && (given.count("from") || given.count("limit")))
        return std::string("only dump takes --from and --limit");
    if (given.count("state-dir") && given.count("config"))
        return std::string("give --state-dir or --config, not both");
    if (options.command == "dump")
        return parseQueueKey(options, options.queue);
    return std::nullopt;
}

Problem parseCommandLine(int argc, char** argv, Options& options)
{
    // The usage text is written by hand: these options need no descriptions.
    po::options_description described;
    auto add = described.add_options();
    add("help,h", "");
    add("json", "");
    for (const char* name : {"state-dir", "config", "from", "limit", "command"})
        add(name, po::value<std::string>(), "");
    add("args", po::value<std::vector<std::string>>(), "");
    po::positional_options_description positional;
    positional.add("command", 1).add("args", -1);

    po::variables_map given;
    try {
        po::store(po::command_line_parser(argc, argv).options(described).positional(positional).run(), given);
        po::notify(given);
    } catch (const po::error& error) {
        return std::string(error.what());
    }
    options.help = given.count("help") > 0;
    options.json = given.count("json") > 0;
    if (given.count("state-dir"))
        options.stateDirectory = given["state-dir"].as<std::string>();
    if (given.count("config"))
        options.configFile = given["config"].as<std::string>();
    options.command = given.count("command") ? given["command"].as<std::string>() : std::string();
    if (given.count("args"))
        options.args = given["args"].as<std::vector<std::string>>();
    if (Problem problem = parseCount(given, "from", 0, options.from))
        return problem;
    if (Problem problem = parseCount(given, "limit", 1, options.limit))
        return problem;
    if (options.help)
        return std::nullopt;
    return checkCommand(given, options);
}

Result<fs::path> stateDirectoryFor(const Options& options)
{
    if (options.stateDirectory)
        return *options.stateDirectory;
    if (!options.configFile)
        return fs::path("state");
    auto config = loadConfig(*options.configFile);
    if (!config)
        return config.error();
    return config->stateDirectory;
}

int run(const Options& options)
{
    const Command& command = *findCommand(options.command);
    auto directory = stateDirectoryFor(options);
    if (!directory)
        return report(exitFailure, describe(directory.error()));
    if (Problem problem = checkStateDirectory(*directory))
        return report(exitFailure, *problem);
    Sources sources;
    if (command.needsRegistry) {
        if (Problem problem = openRegistry(*directory, sources))
            return report(exitFailure, *problem);
    }
    if (command.needsStore) {
        if (Problem problem = openStore(*directory, sources))
            return report(exitFailure, *problem);
    }
    return command.run(sources, options);
}

} // namespace

int main(int argc, char** argv)
{
    Options options;
    if (Problem problem = parseCommandLine(argc, argv, options))
        return report(exitUsage, *problem + " (see --help)");
    if (options.help) {
        std::cout << usageText;
        return exitOk;
    }
    return run(options);
}
