// After a commit: wakes every session that received an entry (and every
// process watching it, ocs_watch_open), and sends the
// UDP push a session registered (EcRRegisterPushNotification) — one datagram,
// then none until the session has drained. While a Gathering is open on the
// calling thread, notifications wait for its end and each session is told
// once however many commits gave it entries.
#pragma once

#include "store/registry.hpp"
#include "store/wake.hpp"

#include <filesystem>
#include <set>
#include <string>

namespace ocs::queue {

class Notifier {
  public:
    Notifier(const std::filesystem::path& stateDirectory, store::Registry& registry);
    ~Notifier();
    Notifier(const Notifier&) = delete;
    Notifier& operator=(const Notifier&) = delete;

    // Best effort: a wake-up or a datagram that cannot be sent is dropped
    // (the entries stay queued; the session finds them when it drains).
    void notify(const std::set<std::string>& sessions);

    // Gathers this thread's notifications (of this notifier) until it ends.
    class Gathering {
      public:
        explicit Gathering(Notifier& notifier);
        ~Gathering();
        Gathering(const Gathering&) = delete;
        Gathering& operator=(const Gathering&) = delete;

      private:
        friend class Notifier;
        Notifier& notifier_;
        std::set<std::string> sessions_;
        Gathering* outer_;
    };

  private:
    void notifyNow(const std::set<std::string>& sessions);
    void wakeWatchers(const std::string& session);
    void push(const store::PushRegistration& registration) const;

    store::Registry& registry_;
    store::Waker waker_;
    int udp4_ = -1;
    int udp6_ = -1;
};

} // namespace ocs::queue
