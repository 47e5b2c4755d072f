// From reported events to queue entries: checks each event against the
// caller's permissions and the backends, finds the OpenChange users bound to
// the backend user and their subscriptions (registry reads, outside the
// commit), then in one commit detects duplicates (a message brought to a
// URI the duplicate window holds) and appends one entry to every queue that
// wants the event.
#pragma once

#include "auth/permissions.hpp"
#include "common/clock.hpp"
#include "common/result.hpp"
#include "queue/backends.hpp"
#include "queue/commit_writer.hpp"
#include "queue/event.hpp"
#include "queue/notifier.hpp"
#include "store/registry.hpp"

#include <functional>
#include <string>
#include <vector>

namespace ocs::queue {

struct Producer {
    std::string account;
    const auth::Permissions& permissions;
};

class EventRouter {
  public:
    // Told how many events a job is about to write; called on the writer
    // thread inside the commit, so a commit's tally is complete when the
    // writer's observer runs (metrics: events per commit).
    using EventTally = std::function<void(std::size_t events)>;

    // notifier: wakes and pushes the sessions that received entries, once
    // the entries can be read from store.tdb (null: nobody to tell, as in unit tests).
    EventRouter(const Backends& backends, store::Registry& registry, CommitWriter& writer, const Clock& clock,
                std::size_t maxFieldLength, Notifier* notifier = nullptr, EventTally tally = {});

    // One result per event, in order. Valid events are committed together;
    // an invalid one gets its error and does not stop the others. A failed
    // commit fails every valid event of the call with StoreUnavailable.
    std::vector<Result<EventResult>> deliver(const std::vector<Event>& events, const Producer& producer);

  private:
    struct Plan;
    Status check(const Event& event, const Producer& producer) const;
    Result<Plan> plan(const Event& event) const;

    const Backends& backends_;
    store::Registry& registry_;
    CommitWriter& writer_;
    const Clock& clock_;
    std::size_t maxFieldLength_;
    Notifier* notifier_;
    EventTally tally_;
};

} // namespace ocs::queue
