#include "queue/notifier.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>

namespace ocs::queue {

Notifier::Notifier(const std::filesystem::path& stateDirectory, store::Registry& registry)
    : registry_(registry), waker_(stateDirectory), udp4_(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0)),
      udp6_(::socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0))
{
}

Notifier::~Notifier()
{
    for (int fd : {udp4_, udp6_}) {
        if (fd >= 0)
            ::close(fd);
    }
}

namespace {

thread_local Notifier::Gathering* openGathering = nullptr;

} // namespace

Notifier::Gathering::Gathering(Notifier& notifier) : notifier_(notifier), outer_(openGathering)
{
    openGathering = this;
}

Notifier::Gathering::~Gathering()
{
    openGathering = outer_;
    notifier_.notify(sessions_);
}

void Notifier::notify(const std::set<std::string>& sessions)
{
    if (openGathering && &openGathering->notifier_ == this)
        openGathering->sessions_.insert(sessions.begin(), sessions.end());
    else
        notifyNow(sessions);
}

void Notifier::notifyNow(const std::set<std::string>& sessions)
{
    for (const std::string& session : sessions) {
        waker_.wake(session);
        wakeWatchers(session);
        // A plain read first: most sessions have no push, or one already sent.
        auto registered = registry_.push(session);
        if (!registered || !*registered || !(*registered)->armed)
            continue;
        auto armed = registry_.takeArmedPush(session);
        if (armed && *armed)
            push(**armed);
    }
}

void Notifier::wakeWatchers(const std::string& session)
{
    auto tokens = registry_.watchers(session);
    if (!tokens)
        return;
    for (const std::string& token : *tokens) {
        // A process that ended without closing its watch: forget it.
        if (!waker_.wakeWatcher(session, token)) [[maybe_unused]]
            auto forgotten = registry_.removeWatcher(session, token); // best effort, as wake-ups are
    }
}

void Notifier::push(const store::PushRegistration& registration) const
{
    sockaddr_storage address{};
    socklen_t length = 0;
    int fd = -1;
    if (registration.family == 4) {
        auto& in = reinterpret_cast<sockaddr_in&>(address);
        in.sin_family = AF_INET;
        in.sin_port = htons(registration.port);
        std::memcpy(&in.sin_addr, registration.address.data(), 4);
        length = sizeof in;
        fd = udp4_;
    } else {
        auto& in6 = reinterpret_cast<sockaddr_in6&>(address);
        in6.sin6_family = AF_INET6;
        in6.sin6_port = htons(registration.port);
        std::memcpy(&in6.sin6_addr, registration.address.data(), 16);
        length = sizeof in6;
        fd = udp6_;
    }
    if (fd < 0)
        return;
    [[maybe_unused]] auto sent = ::sendto(fd, registration.context.data(), registration.context.size(), MSG_DONTWAIT,
                                          reinterpret_cast<sockaddr*>(&address), length);
}

} // namespace ocs::queue
