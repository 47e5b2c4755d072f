#include "support/daemon.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

extern char** environ;

namespace ocs::test {
namespace {

std::string makeTempDir()
{
    char pattern[] = "/tmp/ocs-test-XXXXXX";
    if (!mkdtemp(pattern))
        throw std::runtime_error("mkdtemp failed");
    return pattern;
}

std::vector<char*> argvOf(const std::vector<std::string>& args)
{
    std::vector<char*> out;
    for (const std::string& arg : args)
        out.push_back(const_cast<char*>(arg.c_str()));
    out.push_back(nullptr);
    return out;
}

int waitFor(int pid)
{
    int status = 0;
    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR)
            return -1;
    }
    if (WIFEXITED(status))
        return WEXITSTATUS(status);
    return 128 + WTERMSIG(status);
}

std::string readFile(const std::string& path)
{
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

// ASan, LSan and UBSan end every report with a "SUMMARY: <Name>Sanitizer:"
// line. A program of a sanitized build (-DOCS_SANITIZE=ON) that reports one
// fails the test that ran it, with the report, whatever its exit status.
void throwOnSanitizerReport(const std::string& program, const std::string& output)
{
    for (auto at = output.find("SUMMARY: "); at != std::string::npos; at = output.find("SUMMARY: ", at + 1)) {
        const auto lineEnd = output.find('\n', at);
        if (output.substr(at, lineEnd - at).find("Sanitizer:") == std::string::npos)
            continue;
        constexpr std::size_t kShown = 16384;
        const std::size_t from = output.size() > kShown ? output.size() - kShown : 0;
        throw std::runtime_error(program + " reported a sanitizer error:\n" + output.substr(from));
    }
}

// Starts a program (no shell), stdin from `input`, stdout and stderr to
// `output` opened with `outputFlags`. The program is killed when the test
// process dies, so that an aborted suite leaves no daemon behind.
int spawn(const std::vector<std::string>& args, const std::string& input, const std::string& output, int outputFlags)
{
    auto argv = argvOf(args);
    const char* inputPath = input.c_str();
    const char* outputPath = output.c_str();
    const pid_t parent = ::getpid();
    const pid_t pid = ::fork();
    if (pid < 0)
        throw std::runtime_error("cannot run " + args[0]);
    if (pid == 0) {
        // Only async-signal-safe calls from here to exec.
        if (::prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || ::getppid() != parent)
            ::_exit(127);
        const int in = ::open(inputPath, O_RDONLY);
        const int out = ::open(outputPath, O_WRONLY | O_CREAT | outputFlags, 0600);
        if (in < 0 || out < 0 || ::dup2(in, 0) < 0 || ::dup2(out, 1) < 0 || ::dup2(out, 2) < 0)
            ::_exit(127);
        ::execve(argv[0], argv.data(), environ);
        ::_exit(127);
    }
    return pid;
}

} // namespace

TempDir::TempDir() : path_(makeTempDir()) {}

TempDir::~TempDir()
{
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
}

int runProgram(const std::vector<std::string>& args, const std::string& input, std::string* output)
{
    TempDir scratch;
    const std::string in = scratch.path() + "/stdin", out = scratch.path() + "/stdout";
    std::ofstream(in) << input;
    const int status = waitFor(spawn(args, in, out, O_TRUNC));
    const std::string written = readFile(out);
    throwOnSanitizerReport(args[0], written);
    if (output)
        *output = written;
    return status;
}

Daemon::Daemon(std::vector<std::string> extraArgs, std::string workDir)
    : ownsDir_(workDir.empty()), stateDir_(workDir.empty() ? makeTempDir() : std::move(workDir)),
      extraArgs_(std::move(extraArgs))
{
    logFile_ = stateDir_ + "/daemon.log"; // appended to: a kept directory keeps earlier runs' logs
    std::filesystem::create_directories(mapistore());
    start();
}

int Daemon::restart()
{
    const int status = stop(SIGTERM);
    start();
    return status;
}

void Daemon::start()
{
    const std::vector<std::string>& extraArgs = extraArgs_;
    const std::string portFile = stateDir_ + "/port";
    std::remove(portFile.c_str());
    std::vector<std::string> args = {OCS_DAEMON, "--state-dir", state(), "--port-file", portFile};
    if (std::find(extraArgs.begin(), extraArgs.end(), "--listen") == extraArgs.end())
        args.insert(args.end(), {"--listen", "127.0.0.1:0"});
    args.insert(args.end(), extraArgs.begin(), extraArgs.end());

    pid_ = spawn(args, "/dev/null", logFile_, O_APPEND);

    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (std::chrono::steady_clock::now() < deadline) {
        std::ifstream in(portFile);
        unsigned port = 0;
        if (in >> port && port != 0) {
            port_ = static_cast<unsigned short>(port);
            return;
        }
        if (!running())
            throw std::runtime_error("ocsmanagerd exited at start:\n" + log());
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    stop(SIGKILL);
    throw std::runtime_error("ocsmanagerd did not start listening:\n" + log());
}

Daemon::~Daemon()
{
    if (pid_ > 0)
        stop(SIGKILL);
    std::error_code ignored;
    if (ownsDir_)
        std::filesystem::remove_all(stateDir_, ignored);
}

std::string Daemon::url() const
{
    return "http://127.0.0.1:" + std::to_string(port_) + "/";
}

std::string Daemon::log() const
{
    return readFile(logFile_);
}

void Daemon::signal(int number) const
{
    if (pid_ > 0)
        ::kill(pid_, number);
}

bool Daemon::running()
{
    if (pid_ <= 0)
        return false;
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return false;
    }
    return true;
}

int Daemon::stop(int number)
{
    if (pid_ <= 0)
        return -1;
    ::kill(pid_, number);
    const int status = waitFor(pid_);
    pid_ = -1;
    throwOnSanitizerReport("ocsmanagerd", log());
    return status;
}

int Daemon::accountTool(const std::vector<std::string>& args, const std::string& input) const
{
    std::vector<std::string> argv = {OCS_ACCOUNT_TOOL, "--state-dir", state()};
    argv.insert(argv.end(), args.begin(), args.end());
    return runProgram(argv, input);
}

bool Daemon::awaitStoreQueue(const std::string& user, std::uint64_t next, std::uint64_t fid, int timeoutMs) const
{
    char fidText[19];
    std::snprintf(fidText, sizeof fidText, "0x%016llx", static_cast<unsigned long long>(fid));
    const std::string wanted = "\"fid\": \"" + std::string(fidText) + "\", \"table\": \"none\"";
    const std::string nextField = "\"next\": " + std::to_string(next) + ",";
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeoutMs);
    do {
        std::string listing;
        if (runProgram({OCS_INSPECT_TOOL, "--state-dir", state(), "queues", user, "--json"}, "", &listing) == 0) {
            std::istringstream lines(listing);
            for (std::string line; std::getline(lines, line);) {
                if (line.find(wanted) != std::string::npos && line.find(nextField) != std::string::npos)
                    return true;
            }
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    } while (std::chrono::steady_clock::now() < deadline);
    return false;
}

void Daemon::addAccount(const std::string& login, const std::string& password) const
{
    if (accountTool({"add", login}, password + "\n") != 0)
        throw std::runtime_error("ocsmanager-account add " + login + " failed");
}

Process::Process(const std::vector<std::string>& args)
    : program_(args.at(0)), outputFile_(dir_.path() + "/output"), pid_(spawn(args, "/dev/null", outputFile_, O_TRUNC))
{
}

Process::~Process()
{
    if (pid_ > 0) {
        ::kill(pid_, SIGKILL);
        waitFor(pid_);
    }
}

std::string Process::output() const
{
    return readFile(outputFile_);
}

bool Process::awaitOutput(const std::string& text, int timeoutMs) const
{
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeoutMs);
    while (output().find(text) == std::string::npos) {
        if (std::chrono::steady_clock::now() > deadline)
            return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return true;
}

int Process::wait(int timeoutMs)
{
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeoutMs);
    while (pid_ > 0) {
        int status = 0;
        if (waitpid(pid_, &status, WNOHANG) == pid_) {
            pid_ = -1;
            throwOnSanitizerReport(program_, output());
            return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        }
        if (std::chrono::steady_clock::now() > deadline)
            return -1;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return -1;
}

} // namespace ocs::test
