// Watching a session from another process (ocs_watch_open): EcDoAsyncWaitEx
// runs in another Samba process than the session's EMSMDB calls. A watch has
// a wake-up socket of its own, which the daemon signals with the session's,
// so the session's own wake-up stays with the session.
#pragma once

#include "client_module/session.hpp"
#include "common/result.hpp"
#include "store/wake.hpp"

#include <memory>
#include <string>

namespace ocs::client_module {

class Watch {
  public:
    // The session must exist (have a subscription) for `user`; false
    // (nullptr) otherwise. The descriptor is readable at once when the
    // session has notifications pending.
    static Result<std::unique_ptr<Watch>> open(StateHandle& state, const std::string& user, const std::string& session);
    ~Watch(); // forgets the watch in registry.tdb

    int fd() const { return wake_.fd(); }
    // Clears the descriptor, then says whether the session has entries it
    // has not drained that one of its subscriptions wants (then the
    // descriptor is readable again).
    Result<bool> rearm();

  private:
    Watch(StateHandle& state, std::string user, std::string session, std::string token, store::WakeSocket wake)
        : state_(state), user_(std::move(user)), session_(std::move(session)), token_(std::move(token)),
          wake_(std::move(wake))
    {
    }
    Result<bool> pending();

    StateHandle& state_;
    std::string user_;
    std::string session_;
    std::string token_;
    store::WakeSocket wake_;
};

} // namespace ocs::client_module
