// ocsmanager-account: adds, removes, lists and changes the producer accounts
// of a state directory (accounts.tdb). It may run while the daemon runs: tdb
// locks the file across processes, and the daemon re-reads accounts on SIGHUP.
// Passwords never appear on the command line; only SCRAM verifiers are stored.
#include "auth/account_store.hpp"
#include "auth/scram.hpp"
#include "common/text.hpp"
#include "config/config.hpp"
#include "tools/password_input.hpp"

#include <boost/program_options.hpp>


#include <algorithm>
#include <charconv>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;
namespace po = boost::program_options;
using namespace ocs;
using namespace ocs::auth;

constexpr int exitOk = 0;
constexpr int exitFailure = 1;
constexpr int exitUsage = 2;

constexpr std::size_t maxNameLength = 256;

const char* const usageText = "Usage: ocsmanager-account [--state-dir DIR | --config FILE] COMMAND [ARGS]\n"
                              "\n"
                              "Commands:\n"
                              "  add LOGIN [--password-file FILE] [--backends LIST] [--events LIST] [--iterations N]\n"
                              "  remove LOGIN\n"
                              "  list [--json]\n"
                              "  set-permissions LOGIN [--backends LIST] [--events LIST]\n"
                              "  passwd LOGIN [--password-file FILE]\n"
                              "\n"
                              "The password is the first line of --password-file, or of standard input; on a\n"
                              "terminal it is asked for without echo. It is never given on the command line.\n"
                              "LIST is comma-separated. --backends defaults to \"*\" (every backend); --events\n"
                              "defaults to NewMail (also: ObjectCreated, ObjectModified, ObjectDeleted,\n"
                              "ObjectMoved, ObjectCopied). --iterations defaults to auth.iterations of --config,\n"
                              "else to 4096, the minimum. --state-dir defaults to state.directory of --config,\n"
                              "else to \"state\".\n"
                              "\n"
                              "Exit status: 0 success, 1 failure, 2 usage error.\n";

struct Options {
    std::string command;
    std::string login;
    std::optional<fs::path> stateDirectory;
    std::optional<fs::path> configFile;
    std::optional<fs::path> passwordFile;
    std::optional<std::vector<std::string>> backends;
    std::optional<std::vector<EventType>> events;
    std::optional<std::uint32_t> iterations;
    bool json = false;
    bool help = false;
};

// A message for stderr; empty when all went well.
using Problem = std::optional<std::string>;

int report(int exitCode, const std::string& message)
{
    std::cerr << "ocsmanager-account: " << message << '\n';
    return exitCode;
}

std::string describe(const Error& error)
{
    return error.detail.empty() ? std::string(error.row().message) : error.detail;
}

std::string trimmed(std::string_view text)
{
    const auto first = text.find_first_not_of(' ');
    if (first == std::string_view::npos)
        return {};
    return std::string(text.substr(first, text.find_last_not_of(' ') - first + 1));
}

// Items trimmed of spaces, duplicates dropped; empty items are kept so that
// "a,,b" is refused rather than read as "a,b".
std::vector<std::string> splitList(const std::string& list)
{
    std::vector<std::string> items;
    if (trimmed(list).empty())
        return items;
    for (std::size_t start = 0;;) {
        const std::size_t comma = list.find(',', start);
        std::string item = trimmed(std::string_view(list).substr(start, comma - start));
        if (std::find(items.begin(), items.end(), item) == items.end())
            items.push_back(std::move(item));
        if (comma == std::string::npos)
            return items;
        start = comma + 1;
    }
}

Problem parseBackends(const std::string& list, std::vector<std::string>& out)
{
    out = splitList(list);
    for (const std::string& name : out) {
        if (Status valid = validateField("backend", name, maxNameLength); !valid)
            return "--backends: invalid backend name \"" + name + "\" (" + valid.error().detail + ")";
    }
    const bool wildcard = std::find(out.begin(), out.end(), "*") != out.end();
    if (wildcard && out.size() > 1)
        return std::string("--backends: \"*\" already allows every backend; give it alone");
    return std::nullopt;
}

Problem parseEvents(const std::string& list, std::vector<EventType>& out)
{
    out.clear();
    for (const std::string& name : splitList(list)) {
        EventType type{};
        if (!parseEventType(name, type))
            return "--events: unknown event type \"" + name +
                   "\" (known: NewMail, ObjectCreated, ObjectModified, ObjectDeleted, ObjectMoved, ObjectCopied)";
        out.push_back(type);
    }
    return std::nullopt;
}

Problem parseIterations(const std::string& text, std::optional<std::uint32_t>& out)
{
    std::uint32_t value = 0;
    const char* end = text.data() + text.size();
    const auto [stop, error] = std::from_chars(text.data(), end, value);
    if (error != std::errc() || stop != end || value < scram::minIterations || value > scram::maxIterations)
        return "--iterations: expected a number from " + std::to_string(scram::minIterations) + " to " +
               std::to_string(scram::maxIterations) + ", got \"" + text + "\"";
    out = value;
    return std::nullopt;
}

// Which options each command takes, beyond --state-dir and --config.
bool commandAccepts(const std::string& command, const std::string& option)
{
    static const std::vector<std::pair<std::string, std::vector<std::string>>> accepted = {
        {"add", {"password-file", "backends", "events", "iterations"}},
        {"remove", {}},
        {"list", {"json"}},
        {"set-permissions", {"backends", "events"}},
        {"passwd", {"password-file"}},
    };
    for (const auto& [name, options] : accepted) {
        if (name == command)
            return std::find(options.begin(), options.end(), option) != options.end();
    }
    return false;
}

Problem checkCommand(const po::variables_map& given, const Options& options)
{
    static const std::vector<std::string> known = {"add", "remove", "list", "set-permissions", "passwd"};
    if (options.command.empty())
        return std::string("no command given");
    if (std::find(known.begin(), known.end(), options.command) == known.end())
        return "unknown command \"" + options.command + "\"";
    for (const char* option : {"password-file", "backends", "events", "iterations", "json"}) {
        if (given.count(option) && !commandAccepts(options.command, option))
            return options.command + " does not take --" + option;
    }
    const bool needsLogin = options.command != "list";
    if (needsLogin && options.login.empty())
        return options.command + " needs a LOGIN";
    if (!needsLogin && given.count("login"))
        return std::string("list takes no LOGIN");
    if (options.command == "set-permissions" && !options.backends && !options.events)
        return std::string("set-permissions needs --backends or --events");
    if (given.count("state-dir") && given.count("config"))
        return std::string("give --state-dir or --config, not both");
    if (needsLogin) {
        if (Status valid = validateField("login", options.login, maxNameLength); !valid)
            return "invalid LOGIN: " + valid.error().detail;
    }
    return std::nullopt;
}

Problem readValues(const po::variables_map& given, Options& options)
{
    if (given.count("backends")) {
        options.backends.emplace();
        if (Problem problem = parseBackends(given["backends"].as<std::string>(), *options.backends))
            return problem;
    }
    if (given.count("events")) {
        options.events.emplace();
        if (Problem problem = parseEvents(given["events"].as<std::string>(), *options.events))
            return problem;
    }
    if (given.count("iterations")) {
        if (Problem problem = parseIterations(given["iterations"].as<std::string>(), options.iterations))
            return problem;
    }
    if (given.count("state-dir"))
        options.stateDirectory = given["state-dir"].as<std::string>();
    if (given.count("config"))
        options.configFile = given["config"].as<std::string>();
    if (given.count("password-file"))
        options.passwordFile = given["password-file"].as<std::string>();
    options.command = given.count("command") ? given["command"].as<std::string>() : std::string();
    options.login = given.count("login") ? given["login"].as<std::string>() : std::string();
    options.json = given.count("json") > 0;
    options.help = given.count("help") > 0;
    return std::nullopt;
}

Problem parseCommandLine(int argc, char** argv, Options& options)
{
    // The usage text is written by hand: these options need no descriptions.
    po::options_description described;
    auto add = described.add_options();
    add("help,h", "");
    add("json", "");
    for (const char* name :
         {"state-dir", "config", "password-file", "backends", "events", "iterations", "command", "login"})
        add(name, po::value<std::string>(), "");
    po::positional_options_description positional;
    positional.add("command", 1).add("login", 1);

    po::variables_map given;
    try {
        po::store(po::command_line_parser(argc, argv).options(described).positional(positional).run(), given);
        po::notify(given);
    } catch (const po::error& error) {
        return std::string(error.what());
    }
    if (Problem problem = readValues(given, options))
        return problem;
    if (options.help)
        return std::nullopt;
    return checkCommand(given, options);
}

Problem readPassword(const Options& options, std::string& password)
{
    std::string error;
    const tools::PasswordPrompt prompt{"Password for " + options.login + ": ", true};
    auto read = tools::readPassword(options.passwordFile ? options.passwordFile->string() : std::string(), prompt, error);
    if (!read)
        return error;
    password = std::move(*read);
    return std::nullopt;
}

std::string joined(const std::vector<std::string>& items)
{
    std::string out;
    for (const std::string& item : items)
        out += (out.empty() ? "" : ",") + item;
    return out.empty() ? "-" : out;
}

std::vector<std::string> eventNames(const std::vector<EventType>& types)
{
    std::vector<std::string> names;
    for (EventType type : types)
        names.emplace_back(eventTypeName(type));
    return names;
}

std::string jsonString(const std::string& text)
{
    std::string out = "\"";
    for (char c : text) {
        const auto byte = static_cast<unsigned char>(c);
        if (c == '"' || c == '\\') {
            out += '\\';
            out += c;
        } else if (byte < 0x20 || byte == 0x7f) {
            static constexpr char digits[] = "0123456789abcdef";
            out += "\\u00";
            out += digits[byte >> 4];
            out += digits[byte & 0x0f];
        } else {
            out += c;
        }
    }
    return out + "\"";
}

std::string jsonArray(const std::vector<std::string>& items)
{
    std::string out = "[";
    for (const std::string& item : items)
        out += (out.size() > 1 ? ", " : "") + jsonString(item);
    return out + "]";
}

void printJson(const std::vector<Account>& accounts)
{
    std::cout << "[";
    for (std::size_t i = 0; i < accounts.size(); ++i) {
        const Account& account = accounts[i];
        std::cout << (i == 0 ? "\n" : ",\n") << "  {\"login\": " << jsonString(account.login)
                  << ", \"iterations\": " << account.iterations
                  << ", \"backends\": " << jsonArray(account.permissions.backends)
                  << ", \"events\": " << jsonArray(eventNames(account.permissions.eventTypes)) << "}";
    }
    std::cout << (accounts.empty() ? "]\n" : "\n]\n");
}

void printTable(const std::vector<Account>& accounts)
{
    for (const Account& account : accounts)
        std::cout << account.login << '\t' << account.iterations << '\t' << joined(account.permissions.backends) << '\t'
                  << joined(eventNames(account.permissions.eventTypes)) << '\n';
}

Result<Account> existing(AccountStore& store, const std::string& login)
{
    auto found = store.find(login);
    if (!found)
        return found.error();
    if (!*found)
        return makeError(ErrorCode::InvalidParameter, "login", "no account \"" + login + "\"");
    return std::move(**found);
}

int addAccount(AccountStore& store, const Options& options, std::uint32_t iterations)
{
    auto found = store.find(options.login);
    if (!found)
        return report(exitFailure, describe(found.error()));
    if (*found)
        return report(exitFailure,
                      "account \"" + options.login + "\" exists; use passwd or set-permissions to change it");
    std::string password;
    if (Problem problem = readPassword(options, password))
        return report(exitFailure, *problem);
    Permissions permissions{options.backends.value_or(std::vector<std::string>{"*"}),
                            options.events.value_or(std::vector<EventType>{EventType::NewMail})};
    if (Status saved = store.put(makeAccount(options.login, password, iterations, std::move(permissions))); !saved)
        return report(exitFailure, describe(saved.error()));
    return exitOk;
}

int removeAccount(AccountStore& store, const Options& options)
{
    auto removed = store.remove(options.login);
    if (!removed)
        return report(exitFailure, describe(removed.error()));
    if (!*removed)
        return report(exitFailure, "no account \"" + options.login + "\"");
    return exitOk;
}

int listAccounts(AccountStore& store, const Options& options)
{
    auto accounts = store.list();
    if (!accounts)
        return report(exitFailure, describe(accounts.error()));
    if (options.json)
        printJson(*accounts);
    else
        printTable(*accounts);
    return exitOk;
}

int setPermissions(AccountStore& store, const Options& options)
{
    auto account = existing(store, options.login);
    if (!account)
        return report(exitFailure, describe(account.error()));
    if (options.backends)
        account->permissions.backends = *options.backends;
    if (options.events)
        account->permissions.eventTypes = *options.events;
    if (Status saved = store.put(*account); !saved)
        return report(exitFailure, describe(saved.error()));
    return exitOk;
}

// A new salt and verifier; permissions and iteration count stay.
int changePassword(AccountStore& store, const Options& options)
{
    auto account = existing(store, options.login);
    if (!account)
        return report(exitFailure, describe(account.error()));
    std::string password;
    if (Problem problem = readPassword(options, password))
        return report(exitFailure, *problem);
    const std::uint32_t iterations = std::max(account->iterations, scram::minIterations);
    if (Status saved = store.put(makeAccount(options.login, password, iterations, account->permissions)); !saved)
        return report(exitFailure, describe(saved.error()));
    return exitOk;
}

// Where the accounts are and how many iterations new verifiers get. With
// --config, the daemon's auth.iterations: unknown logins are announced that
// count, and accounts made with another one could be told apart from them.
struct Settings {
    fs::path stateDirectory = "state";
    std::uint32_t iterations = scram::minIterations;
};

Result<Settings> settingsFor(const Options& options)
{
    Settings settings;
    if (options.configFile) {
        auto config = loadConfig(*options.configFile);
        if (!config)
            return config.error();
        settings.stateDirectory = config->stateDirectory;
        settings.iterations = config->auth.iterations;
    }
    if (options.stateDirectory)
        settings.stateDirectory = *options.stateDirectory;
    if (options.iterations)
        settings.iterations = *options.iterations;
    return settings;
}

int run(const Options& options)
{
    auto settings = settingsFor(options);
    if (!settings)
        return report(exitFailure, describe(settings.error()));
    auto store = AccountStore::open(settings->stateDirectory);
    if (!store)
        return report(exitFailure, describe(store.error()));
    AccountStore& accounts = **store;
    if (options.command == "add")
        return addAccount(accounts, options, settings->iterations);
    if (options.command == "remove")
        return removeAccount(accounts, options);
    if (options.command == "list")
        return listAccounts(accounts, options);
    if (options.command == "set-permissions")
        return setPermissions(accounts, options);
    return changePassword(accounts, options);
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
