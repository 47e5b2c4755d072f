// One consuming MAPI session inside OpenChange: its subscriptions, its
// cursors, its wake-up socket, and the drain that turns queue entries into
// RopNotify buffers.
#pragma once

#include "client_module/id_resolver.hpp"
#include "common/bytes.hpp"
#include "common/result.hpp"
#include "store/queue_store.hpp"
#include "store/registry.hpp"
#include "store/wake.hpp"

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

namespace ocs::client_module {

// What a process opens once: the state directory's registry and queues,
// and how message URIs become OpenChange's ids (installed before sessions
// drain or subscribe to messages).
struct StateHandle {
    std::filesystem::path directory;
    std::unique_ptr<store::Registry> registry;
    std::unique_ptr<store::QueueStore> queues;
    std::unique_ptr<IdResolver> resolver;

    static Result<std::unique_ptr<StateHandle>> open(const std::filesystem::path& directory);
};

struct Drained {
    std::string bytes;     // consecutive RopNotify responses
    std::size_t count = 0; // how many
    bool more = false;     // entries left for the next call
};

class Session {
  public:
    // A new random id when `id` is empty.
    static Result<std::unique_ptr<Session>> open(StateHandle& state, const std::string& user, std::string id);

    const std::string& id() const { return id_; }
    int fd() const { return wake_.fd(); }

    // A message subscription (mid set) needs the handle's resolver; false:
    // OpenChange's index has no such message.
    Result<bool> subscribe(const store::Subscription& subscription);
    Result<bool> unsubscribe(std::uint32_t handle);
    // Needs the handle's resolver.
    Result<Drained> drain(std::uint8_t logonId, std::size_t capacity);
    Result<std::uint32_t> registerPush(ByteView context, ByteView address);
    Result<bool> unregisterPush(std::uint32_t handle);
    // Removes the session's subscriptions, cursors and push registration.
    Status close();

  private:
    Session(StateHandle& state, std::string user, std::string id, store::WakeSocket wake)
        : state_(state), user_(std::move(user)), id_(std::move(id)), wake_(std::move(wake))
    {
    }
    Status rearmPush();

    StateHandle& state_;
    std::string user_;
    std::string id_;
    store::WakeSocket wake_;
};

} // namespace ocs::client_module
