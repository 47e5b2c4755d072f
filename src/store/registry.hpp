// Who is connected to what, right now: bindings (OpenChange user ↔ backend
// user), each user's folder map, the subscriptions of live MAPI sessions and
// their queue cursors. The client module writes it from inside OpenChange;
// the daemon reads it on every event. Lives in registry.tdb.
//
// Every read the event path needs is one key: no call here walks the file
// except visit(), which is for tools.
#pragma once

#include "common/result.hpp"
#include "store/model.hpp"
#include "store/records.hpp"
#include "store/state_directory.hpp"

#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace ocs::store {

// Thread-safe (one lock around the single TDB handle); safe with other
// processes using the same file (every read-modify-write is a transaction).
class Registry {
  public:
    static Result<std::unique_ptr<Registry>> open(const std::filesystem::path& stateDirectory,
                                                  Access access = Access::ReadWrite);
    ~Registry();

    // Reference-counted: each bind needs an unbind. false: nothing was bound.
    Status bind(const std::string& user, const std::string& backend, const std::string& backendUser);
    Result<bool> unbind(const std::string& user, const std::string& backend, const std::string& backendUser);
    Result<std::vector<std::string>> usersBoundTo(const std::string& backend, const std::string& backendUser);

    // Both directions are kept; mapping a URI again moves it to the new id.
    Status mapFolder(const std::string& user, const std::string& uri, Fid fid);
    Result<std::optional<Fid>> folderId(const std::string& user, const std::string& uri);
    Result<std::optional<std::string>> folderUri(const std::string& user, Fid fid);

    // (session, handle) identifies a subscription; subscribing again replaces it.
    // startAt: the session's cursor on the subscription's queue when it has
    // none yet, set in the same transaction.
    Status subscribe(const std::string& user, const Subscription& subscription,
                     std::optional<std::uint64_t> startAt = std::nullopt);
    Result<bool> unsubscribe(const std::string& user, const std::string& session, std::uint32_t handle);
    Result<std::vector<Subscription>> subscriptions(const std::string& user);
    // Removes every subscription, cursor, push registration and watcher of a session.
    Status closeSession(const std::string& user, const std::string& session);

    // The next sequence the session will read from the queue.
    Status setCursor(const std::string& session, const QueueKey& queue, std::uint64_t next);
    Result<std::optional<std::uint64_t>> cursor(const std::string& session, const QueueKey& queue);
    // Several cursors of one session in one transaction (a drain's).
    Status setCursors(const std::string& session, const std::vector<std::pair<QueueKey, std::uint64_t>>& cursors);

    // One UDP push registration per session. Registering gives it a new
    // notification handle, unique in this registry (never 0).
    Result<std::uint32_t> registerPush(const std::string& session, PushRegistration registration);
    Result<bool> unregisterPush(const std::string& session, std::uint32_t handle);
    Result<std::optional<PushRegistration>> push(const std::string& session);
    // The daemon, before sending a push: disarms an armed registration and
    // returns it; nothing when there is none or it is disarmed (a datagram
    // went out and the session has not drained since).
    Result<std::optional<PushRegistration>> takeArmedPush(const std::string& session);
    // The session, when it drains: the next entry may push again.
    Status armPush(const std::string& session);

    // Processes watching a session (ocs_watch_open), by the token naming
    // each one's wake-up socket. Removing: false when it was not there.
    Status addWatcher(const std::string& session, const std::string& token);
    Result<bool> removeWatcher(const std::string& session, const std::string& token);
    Result<std::vector<std::string>> watchers(const std::string& session);

    // Every record, decoded, for tools. A walk of the whole file.
    struct Visitor {
        std::function<void(const std::string& backend, const std::string& backendUser,
                           const std::vector<BindingHolder>&)>
            binding;
        std::function<void(const std::string& user, const std::string& uri, Fid fid)> folder;
        std::function<void(const std::string& user, const std::vector<Subscription>&)> subscriptions;
        std::function<void(const std::string& session, const QueueKey& queue, std::uint64_t next)> cursor;
        std::function<void(const std::string& session, const PushRegistration&)> push;
    };
    Status visit(const Visitor& visitor);

  private:
    struct Impl;
    explicit Registry(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

} // namespace ocs::store
