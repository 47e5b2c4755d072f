// ocsmanager-client: a producer on the command line. Safe to exec from a
// delivery agent: everything comes from argv (the password from a file or
// stdin), nothing goes through a shell.
#include "producer/producer_client.hpp"
#include "tools/password_input.hpp"

#include <boost/program_options.hpp>

#include <iostream>

namespace po = boost::program_options;

namespace {

constexpr int kFault = 1;
constexpr int kUsage = 2;
constexpr int kTransport = 3;

const char* kUsageText = R"(Usage: ocsmanager-client [options] COMMAND
Commands:
  ping                         check that the service answers (no login)
  login                        log in; print the session token and its expiry
  newmail                      report one new message (logs in unless --session)
  logout --session TOKEN       end a session
)";

int report(const ocs::producer::ProducerClient& client)
{
    const auto& error = client.lastError();
    std::cerr << "ocsmanager-client: ";
    if (error.code != 0)
        std::cerr << error.code << ' ';
    std::cerr << error.name << ": " << error.message;
    if (!error.field.empty())
        std::cerr << " (field " << error.field << ')';
    std::cerr << '\n';
    return error.code != 0 ? kFault : kTransport;
}

struct Arguments {
    ocs::producer::ClientOptions options;
    std::string command;
    std::string login;
    std::string passwordFile;
    std::string session;
    ocs::producer::NewMailRequest mail;
};

template <typename T>
void copyOptional(const po::variables_map& values, const char* name, std::optional<T>& out)
{
    if (values.count(name))
        out = values[name].as<T>();
}

int parse(int argc, char** argv, Arguments& args)
{
    po::options_description options("Options");
    bool soap12 = false, insecure = false;
    options.add_options()("help,h", "print this help")(
        "url,u", po::value(&args.options.url)->default_value(args.options.url), "service URL (http or https)")(
        "soap12", po::bool_switch(&soap12), "speak SOAP 1.2 (default SOAP 1.1)")(
        "cafile", po::value(&args.options.caFile), "https: CA certificate file to verify the server")(
        "insecure", po::bool_switch(&insecure), "https: do not verify the server certificate")(
        "timeout", po::value(&args.options.timeoutSeconds)->default_value(10), "seconds per network operation")(
        "login,l", po::value(&args.login), "account login")(
        "password-file", po::value(&args.passwordFile), "read the password from FILE (default: stdin)")(
        "session", po::value(&args.session), "use this session token instead of logging in")(
        "backend", po::value(&args.mail.backend), "newmail: backend name")(
        "user", po::value(&args.mail.username), "newmail: backend user")(
        "folder", po::value(&args.mail.folder), "newmail: folder")(
        "message-id", po::value(&args.mail.messageId), "newmail: message id")(
        "message-class", po::value<std::string>(), "newmail: message class (e.g. IPM.Note)")(
        "flags", po::value<std::uint32_t>(), "newmail: message flags")(
        "total", po::value<std::uint32_t>(), "newmail: messages in the folder")(
        "unread", po::value<std::uint32_t>(), "newmail: unread messages in the folder")(
        "command", po::value(&args.command), "ping | login | newmail | logout");
    po::positional_options_description positional;
    positional.add("command", 1);
    po::variables_map values;
    try {
        po::store(po::command_line_parser(argc, argv).options(options).positional(positional).run(), values);
        po::notify(values);
    } catch (const po::error& e) {
        std::cerr << "ocsmanager-client: " << e.what() << "\n" << kUsageText << options;
        return kUsage;
    }
    if (values.count("help") || args.command.empty()) {
        std::cout << kUsageText << options;
        return values.count("help") ? -1 : kUsage;
    }
    copyOptional(values, "message-class", args.mail.messageClass);
    copyOptional(values, "flags", args.mail.flags);
    copyOptional(values, "total", args.mail.totalCount);
    copyOptional(values, "unread", args.mail.unreadCount);
    args.options.soapVersion = soap12 ? 2 : 1;
    args.options.verifyServer = !insecure;
    return 0;
}

int usage(const std::string& message)
{
    std::cerr << "ocsmanager-client: " << message << "\n" << kUsageText;
    return kUsage;
}

int logIn(ocs::producer::ProducerClient& client, const Arguments& args)
{
    if (args.login.empty())
        return usage("--login is required");
    std::string error;
    auto password = ocs::tools::readPassword(args.passwordFile, {}, error);
    if (!password)
        return usage(error);
    return client.login(args.login, *password) ? 0 : report(client);
}

int run(ocs::producer::ProducerClient& client, const Arguments& args)
{
    if (args.command == "ping") {
        std::string version;
        if (!client.ping(version))
            return report(client);
        std::cout << "ok " << version << '\n';
        return 0;
    }
    if (args.command == "login") {
        if (int status = logIn(client, args); status != 0)
            return status;
        std::cout << client.session() << '\n';
        return 0;
    }
    if (args.command == "logout") {
        if (args.session.empty())
            return usage("logout needs --session");
        client.setSession(args.session);
        return client.logout() ? 0 : report(client);
    }
    if (args.command == "newmail") {
        const auto& m = args.mail;
        if (m.backend.empty() || m.username.empty() || m.folder.empty() || m.messageId.empty())
            return usage("newmail needs --backend, --user, --folder and --message-id");
        if (!args.session.empty())
            client.setSession(args.session);
        else if (int status = logIn(client, args); status != 0)
            return status;
        ocs::producer::NewMailResult result;
        if (!client.newMail(m, result))
            return report(client);
        std::cout << result.status << ' ' << result.queues << '\n';
        return 0;
    }
    return usage("unknown command " + args.command);
}

} // namespace

int main(int argc, char** argv)
{
    Arguments args;
    if (int status = parse(argc, argv, args); status != 0)
        return status < 0 ? 0 : status;
    ocs::producer::ProducerClient client(args.options);
    return run(client, args);
}
