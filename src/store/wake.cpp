#include "store/wake.hpp"

#include "store/state_directory.hpp"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace ocs::store {
namespace fs = std::filesystem;

namespace {

bool toAddress(const fs::path& path, sockaddr_un& address)
{
    const std::string text = path.string();
    if (text.size() >= sizeof address.sun_path)
        return false;
    address = {};
    address.sun_family = AF_UNIX;
    std::memcpy(address.sun_path, text.c_str(), text.size() + 1);
    return true;
}

Error socketError(const fs::path& path, std::string_view what)
{
    return makeError(ErrorCode::InternalError, {},
                     path.string() + ": " + std::string(what) + ": " + std::strerror(errno));
}

} // namespace

bool isValidSessionId(std::string_view session)
{
    if (session.empty() || session.size() > 64)
        return false;
    for (char c : session) {
        const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
                        c == '_' || c == '-';
        if (!ok)
            return false;
    }
    return session != "." && session != "..";
}

fs::path wakePath(const fs::path& stateDirectory, std::string_view session)
{
    return stateDirectory / "wake" / std::string(session);
}

fs::path watcherPath(const fs::path& stateDirectory, std::string_view session, std::string_view token)
{
    return stateDirectory / "wake" / (std::string(session) + "~" + std::string(token));
}

Result<WakeSocket> WakeSocket::bind(const fs::path& stateDirectory, const std::string& session)
{
    if (!isValidSessionId(session))
        return makeError(ErrorCode::InvalidParameter, "session", "invalid session id");
    return bindAt(stateDirectory, wakePath(stateDirectory, session));
}

Result<WakeSocket> WakeSocket::bindWatcher(const fs::path& stateDirectory, const std::string& session,
                                           const std::string& token)
{
    if (!isValidSessionId(session) || !isValidSessionId(token))
        return makeError(ErrorCode::InvalidParameter, "session", "invalid session id or watcher token");
    return bindAt(stateDirectory, watcherPath(stateDirectory, session, token));
}

Result<WakeSocket> WakeSocket::bindAt(const fs::path& stateDirectory, const fs::path& path)
{
    if (Status made = ensureStateDirectory(stateDirectory / "wake"); !made)
        return made.error();
    sockaddr_un address;
    if (!toAddress(path, address))
        return makeError(ErrorCode::InvalidParameter, "session", path.string() + ": path too long for a socket");
    const int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return socketError(path, "socket");
    // A socket file left by a session that crashed: this session takes over.
    ::unlink(path.c_str());
    if (::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
        Error error = socketError(path, "bind");
        ::close(fd);
        return error;
    }
    return WakeSocket(fd, path);
}

WakeSocket::WakeSocket(WakeSocket&& other) noexcept : fd_(other.fd_), path_(std::move(other.path_))
{
    other.fd_ = -1;
}

WakeSocket& WakeSocket::operator=(WakeSocket&& other) noexcept
{
    if (this != &other) {
        close();
        fd_ = other.fd_;
        path_ = std::move(other.path_);
        other.fd_ = -1;
    }
    return *this;
}

WakeSocket::~WakeSocket()
{
    close();
}

void WakeSocket::close()
{
    if (fd_ < 0)
        return;
    ::close(fd_);
    ::unlink(path_.c_str());
    fd_ = -1;
}

void WakeSocket::clear()
{
    char byte;
    while (::recv(fd_, &byte, 1, 0) >= 0) {
    }
}

void WakeSocket::signal()
{
    sockaddr_un address;
    if (!toAddress(path_, address))
        return;
    const char byte = 1;
    [[maybe_unused]] auto sent =
        ::sendto(fd_, &byte, 1, MSG_DONTWAIT, reinterpret_cast<sockaddr*>(&address), sizeof address);
}

Waker::Waker(fs::path stateDirectory)
    : stateDirectory_(std::move(stateDirectory)), fd_(::socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0))
{
}

Waker::~Waker()
{
    if (fd_ >= 0)
        ::close(fd_);
}

int Waker::send(const fs::path& path) const
{
    sockaddr_un address;
    if (fd_ < 0 || !toAddress(path, address))
        return EINVAL;
    const char byte = 1;
    if (::sendto(fd_, &byte, 1, MSG_DONTWAIT, reinterpret_cast<sockaddr*>(&address), sizeof address) < 0)
        return errno;
    return 0;
}

void Waker::wake(const std::string& session) const
{
    if (isValidSessionId(session))
        send(wakePath(stateDirectory_, session));
}

bool Waker::wakeWatcher(const std::string& session, const std::string& token) const
{
    if (!isValidSessionId(session) || !isValidSessionId(token))
        return false;
    const int error = send(watcherPath(stateDirectory_, session, token));
    // A full buffer (EAGAIN) is a wake-up already pending.
    return error != ENOENT && error != ECONNREFUSED;
}

} // namespace ocs::store
