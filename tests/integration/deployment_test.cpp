// The systemd unit (build/ocsmanagerd.service, made from
// conf/ocsmanagerd.service.in) run as systemd would run it, with its paths
// moved into a temporary directory: ExecStart starts a daemon that serves,
// ExecReload makes it reload, KillSignal stops it cleanly, and its paths
// are the ones the sandbox leaves writable.
#include "support/daemon.hpp"
#include "support/raw_http.hpp"

#include <cppunit/extensions/HelperMacros.h>

#include <unistd.h>

#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <thread>

namespace {

bool contains(const std::string& text, const std::string& part)
{
    return text.find(part) != std::string::npos;
}

std::string readFile(const std::string& path)
{
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

// The [Service] section's settings; a key set twice keeps its last value.
std::map<std::string, std::string> serviceSettings(const std::string& unit)
{
    std::map<std::string, std::string> settings;
    std::istringstream lines(unit);
    std::string line, section;
    while (std::getline(lines, line)) {
        if (line.empty() || line[0] == '#')
            continue;
        if (line[0] == '[') {
            section = line;
        } else if (section == "[Service]" && line.find('=') != std::string::npos) {
            settings[line.substr(0, line.find('='))] = line.substr(line.find('=') + 1);
        }
    }
    return settings;
}

std::vector<std::string> words(const std::string& command)
{
    std::istringstream in(command);
    std::vector<std::string> out;
    for (std::string word; in >> word;)
        out.push_back(word);
    return out;
}

// Replaces `from` at the start of any argument (alone or after '=').
void movePaths(std::vector<std::string>& args, const std::string& from, const std::string& to)
{
    for (std::string& arg : args) {
        if (arg.rfind(from, 0) == 0)
            arg.replace(0, from.size(), to);
        else if (const auto equals = arg.find("=" + from); equals != std::string::npos)
            arg.replace(equals + 1, from.size(), to);
    }
}

std::string valueAfter(const std::vector<std::string>& args, const std::string& option)
{
    for (std::size_t i = 0; i + 1 < args.size(); ++i) {
        if (args[i] == option)
            return args[i + 1];
    }
    return {};
}

} // namespace

class DeploymentTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(DeploymentTest);
    CPPUNIT_TEST(testExecStartUsesInstalledPathsAndWritableDirectories);
    CPPUNIT_TEST(testExecStartOptionsAreAcceptedAndAWrongOneIsNot);
    CPPUNIT_TEST(testUnitStartsReloadsAndStopsTheDaemon);
    CPPUNIT_TEST_SUITE_END();

  public:
    void setUp() override
    {
        unit_ = readFile(OCS_UNIT_FILE);
        settings_ = serviceSettings(unit_);
        CPPUNIT_ASSERT_MESSAGE(unit_, settings_.count("ExecStart") && settings_.count("ExecReload"));
        // Plain words only: no quoting or specifiers this test would have to interpret.
        CPPUNIT_ASSERT(settings_["ExecStart"].find_first_of("\"'%") == std::string::npos);
        execStart_ = words(settings_["ExecStart"]);
    }

    void testExecStartUsesInstalledPathsAndWritableDirectories()
    {
        CPPUNIT_ASSERT_EQUAL(std::string(OCS_INSTALL_BINDIR "/ocsmanagerd"), execStart_.at(0));
        // The configuration file cmake --install puts in place.
        CPPUNIT_ASSERT_EQUAL(std::string(OCS_INSTALL_SYSCONFDIR "/ocsmanager/ocsmanager.ini"),
                             valueAfter(execStart_, "--config"));
        // ProtectSystem=strict leaves only StateDirectory= and
        // LogsDirectory= writable: the daemon must write nowhere else.
        CPPUNIT_ASSERT_EQUAL(std::string("strict"), settings_["ProtectSystem"]);
        CPPUNIT_ASSERT_EQUAL("/var/lib/" + settings_["StateDirectory"], valueAfter(execStart_, "--state-dir"));
        CPPUNIT_ASSERT_EQUAL("log.file=/var/log/" + settings_["LogsDirectory"] + "/ocsmanagerd.log",
                             valueAfter(execStart_, "--set"));
        CPPUNIT_ASSERT_EQUAL("/var/lib/" + settings_["StateDirectory"], settings_["WorkingDirectory"]);
        CPPUNIT_ASSERT_EQUAL(std::string("ocsmanager"), settings_["User"]);
        CPPUNIT_ASSERT_EQUAL(std::string("0077"), settings_["UMask"]);
    }

    void testExecStartOptionsAreAcceptedAndAWrongOneIsNot()
    {
        ocs::test::TempDir dir;
        std::vector<std::string> args = runnable(dir);
        args.push_back("--check-config");
        std::string output;
        CPPUNIT_ASSERT_EQUAL_MESSAGE(output, 0, ocs::test::runProgram(args, "", &output));
        CPPUNIT_ASSERT_MESSAGE(output, contains(output, "configuration is valid"));
        // The same check refuses an option the daemon does not have.
        args.insert(args.end() - 1, {"--set", "server.no_such_option=1"});
        CPPUNIT_ASSERT_EQUAL(1, ocs::test::runProgram(args, "", &output));
        CPPUNIT_ASSERT_MESSAGE(output, contains(output, "server.no_such_option"));
        args = runnable(dir);
        args.insert(args.end(), {"--no-such-flag", "--check-config"});
        CPPUNIT_ASSERT_EQUAL(2, ocs::test::runProgram(args, "", &output));
    }

    void testUnitStartsReloadsAndStopsTheDaemon()
    {
        ocs::test::TempDir dir;
        std::vector<std::string> args = runnable(dir);
        const std::string portFile = dir.path() + "/port";
        args.insert(args.end(), {"--listen", "127.0.0.1:0", "--port-file", portFile});
        ocs::test::Process daemon(args);
        unsigned short port = 0;
        for (int attempt = 0; attempt < 500 && port == 0; ++attempt) {
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
            std::ifstream(portFile) >> port;
        }
        CPPUNIT_ASSERT_MESSAGE(daemon.output(), port != 0);
        ocs::test::RawConnection connection(port);
        CPPUNIT_ASSERT(connection.send("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"));
        CPPUNIT_ASSERT_EQUAL(200, connection.receive().status);
        connection.close();

        // ExecReload, with $MAINPID as systemd fills it in.
        std::vector<std::string> reload = words(settings_["ExecReload"]);
        for (std::string& word : reload) {
            if (word == "$MAINPID")
                word = std::to_string(daemon.pid());
        }
        CPPUNIT_ASSERT_EQUAL_MESSAGE(settings_["ExecReload"], 0, access(reload.at(0).c_str(), X_OK));
        CPPUNIT_ASSERT_EQUAL(0, ocs::test::runProgram(reload));
        const std::string logFile = valueAfter(args, "--set").substr(std::string("log.file=").size());
        CPPUNIT_ASSERT(awaitText(logFile, "I-1004"));

        // KillSignal= ends it cleanly.
        CPPUNIT_ASSERT_EQUAL(std::string("SIGTERM"), settings_["KillSignal"]);
        ::kill(daemon.pid(), SIGTERM);
        CPPUNIT_ASSERT_EQUAL_MESSAGE(daemon.output(), 0, daemon.wait(10000));
        CPPUNIT_ASSERT(contains(readFile(logFile), "I-1003"));
        // The state the unit names was made where the unit says.
        CPPUNIT_ASSERT(access((dir.path() + "/var/lib/ocsmanager/store.tdb").c_str(), F_OK) == 0);
    }

  private:
    // ExecStart with this build's daemon and the repository's configuration
    // file, and /var/lib and /var/log moved under `dir` (systemd would have
    // created them from StateDirectory= and LogsDirectory=).
    std::vector<std::string> runnable(const ocs::test::TempDir& dir) const
    {
        std::vector<std::string> args = execStart_;
        args.at(0) = OCS_DAEMON;
        movePaths(args, OCS_INSTALL_SYSCONFDIR "/ocsmanager/ocsmanager.ini", OCS_SOURCE_DIR "/conf/ocsmanager.ini");
        movePaths(args, "/var/", dir.path() + "/var/");
        std::filesystem::create_directories(dir.path() + "/var/log/ocsmanager");
        return args;
    }

    static bool awaitText(const std::string& file, const std::string& text)
    {
        for (int attempt = 0; attempt < 250; ++attempt) {
            if (contains(readFile(file), text))
                return true;
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
        return false;
    }

    std::string unit_;
    std::map<std::string, std::string> settings_;
    std::vector<std::string> execStart_;
};

CPPUNIT_TEST_SUITE_REGISTRATION(DeploymentTest);
