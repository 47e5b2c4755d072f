// Waking a MAPI session when entries are pending for it: each consuming
// session binds a UNIX datagram socket at <state directory>/wake/<session>,
// which it can poll; the daemon sends a one-byte datagram there after every
// commit that gave the session an entry. The directory's permissions keep
// other users out.
#pragma once

#include "common/result.hpp"

#include <filesystem>
#include <string>
#include <string_view>

namespace ocs::store {

// 1 to 64 of A-Z a-z 0-9 . _ - : a session id is part of paths and keys.
bool isValidSessionId(std::string_view session);

std::filesystem::path wakePath(const std::filesystem::path& stateDirectory, std::string_view session);
// The socket of one process watching the session (ocs_watch_open):
// <state>/wake/<session>~<token> ('~' is in no session id).
std::filesystem::path watcherPath(const std::filesystem::path& stateDirectory, std::string_view session,
                                  std::string_view token);

// The session's end: readable when a wake-up is pending.
class WakeSocket {
  public:
    static Result<WakeSocket> bind(const std::filesystem::path& stateDirectory, const std::string& session);
    // A watcher's end: `token` is 1 to 64 of A-Z a-z 0-9 . _ - too.
    static Result<WakeSocket> bindWatcher(const std::filesystem::path& stateDirectory, const std::string& session,
                                          const std::string& token);
    WakeSocket(WakeSocket&& other) noexcept;
    WakeSocket& operator=(WakeSocket&& other) noexcept;
    WakeSocket(const WakeSocket&) = delete;
    WakeSocket& operator=(const WakeSocket&) = delete;
    ~WakeSocket(); // closes and removes the socket file

    int fd() const { return fd_; }
    // Reads every pending wake-up: the descriptor is no longer readable.
    void clear();
    // Makes the descriptor readable again (entries were left pending).
    void signal();

  private:
    WakeSocket(int fd, std::filesystem::path path) : fd_(fd), path_(std::move(path)) {}
    static Result<WakeSocket> bindAt(const std::filesystem::path& stateDirectory, const std::filesystem::path& path);
    void close();

    int fd_ = -1;
    std::filesystem::path path_;
};

// The daemon's end: one unbound socket for every wake-up it sends.
class Waker {
  public:
    explicit Waker(std::filesystem::path stateDirectory);
    ~Waker();
    Waker(const Waker&) = delete;
    Waker& operator=(const Waker&) = delete;

    // Best effort: a session that is gone or already has a wake-up pending
    // (its socket buffer is full) needs nothing more.
    void wake(const std::string& session) const;
    // The same for a watcher of the session; false when its socket is gone
    // (the watching process ended without closing the watch).
    bool wakeWatcher(const std::string& session, const std::string& token) const;

  private:
    // errno of the send, 0 when sent.
    int send(const std::filesystem::path& path) const;
    std::filesystem::path stateDirectory_;
    int fd_ = -1;
};

} // namespace ocs::store
