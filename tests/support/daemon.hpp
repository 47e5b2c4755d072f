// Test support: the real ocsmanagerd, started on a loopback port of its own
// with a fresh state directory, and stopped (SIGTERM) when the test ends.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace ocs::test {

class Daemon {
  public:
    // extraArgs are appended to the command line, e.g. {"--set", "auth.session_ttl=1"}.
    // workDir: where the state directory and the log live; by default a new
    // temporary directory, removed afterwards. A given one is kept, so a
    // later Daemon can start on the same state.
    explicit Daemon(std::vector<std::string> extraArgs = {}, std::string workDir = {});
    ~Daemon();
    Daemon(const Daemon&) = delete;
    Daemon& operator=(const Daemon&) = delete;

    unsigned short port() const { return port_; }
    int pid() const { return pid_; }
    std::string url() const;
    const std::string& stateDir() const { return stateDir_; }
    std::string log() const;

    // Sends the signal and waits for exit; returns the exit status (or
    // 128 + signal when killed). Throws, with the report, when the daemon's
    // log holds a sanitizer report (as do Process::wait and runProgram).
    int stop(int signal);
    void signal(int signal) const;
    bool running();
    // Stops with SIGTERM (returning its status) and starts again on the same
    // state, with the same arguments.
    int restart();

    // Runs the account tool on this daemon's state directory with `input` on
    // stdin; returns its exit status.
    int accountTool(const std::vector<std::string>& args, const std::string& input = "") const;
    void addAccount(const std::string& login, const std::string& password) const;

    // An answer means the entries are journaled; store.tdb takes them
    // moments later. Waits (asking ocsmanager-inspect, so that a process
    // holding store.tdb through the client module can use it too) until the
    // queue of `user` on folder `fid` (0: the whole store), table none, has
    // `next` as its next sequence; false after timeoutMs.
    bool awaitStoreQueue(const std::string& user, std::uint64_t next, std::uint64_t fid = 0,
                         int timeoutMs = 10000) const;

    // The state directory (workDir/state).
    std::string state() const { return stateDir_ + "/state"; }
    // OpenChange's mapistore directory beside it (made with the daemon): its
    // <user>/indexing.tdb files hold the ids OpenChange gives.
    std::string mapistore() const { return stateDir_ + "/mapistore"; }

  private:
    void start();

    bool ownsDir_ = true;
    std::string stateDir_;
    std::vector<std::string> extraArgs_;
    std::string logFile_;
    int pid_ = -1;
    unsigned short port_ = 0;
};

// A temporary directory, removed with everything in it.
class TempDir {
  public:
    TempDir();
    ~TempDir();
    const std::string& path() const { return path_; }

  private:
    std::string path_;
};

// A program running in the background (no shell), its stdout and stderr
// going to a file; killed when the object goes away.
class Process {
  public:
    explicit Process(const std::vector<std::string>& argv);
    ~Process();
    Process(const Process&) = delete;
    Process& operator=(const Process&) = delete;

    std::string output() const;
    int pid() const { return pid_; }
    // True once the output contains `text`, waiting up to timeoutMs.
    bool awaitOutput(const std::string& text, int timeoutMs) const;
    // The exit status, or -1 if it has not exited within timeoutMs.
    int wait(int timeoutMs);

  private:
    std::string program_;
    TempDir dir_;
    std::string outputFile_;
    int pid_ = -1;
};

// Runs a program (no shell) with stdin from `input`; returns the exit status
// and, when `output` is given, what it wrote to stdout and stderr.
int runProgram(const std::vector<std::string>& argv, const std::string& input = "", std::string* output = nullptr);

} // namespace ocs::test
