// How the client module turns the message URIs of queue entries into
// OpenChange's message ids, and back: every id on the wire is OpenChange's.
// OpenChange allocates folder and message ids from one counter per user and
// keeps id <-> URI in its indexing backend; an id made up anywhere else would
// collide with ids OpenChange hands out later, and a message notified under
// an id the index does not hold gets a second id when the folder is listed.
// The built-in resolver for OpenChange's TDB indexing backend is
// IndexingTdbResolver (indexing_tdb.hpp).
#pragma once

#include "common/result.hpp"
#include "store/model.hpp"

#include <optional>
#include <string>
#include <vector>

namespace ocs::client_module {

struct MessageLookup {
    std::string uri;
    bool allocate = false;         // take a new id from OpenChange's allocator when the index has none
    std::optional<store::Mid> mid; // the answer; nullopt: not indexed (and not allocated)
};

class IdResolver {
  public:
    virtual ~IdResolver() = default;
    // Answers every lookup for `user` (one drain's messages): the MID OpenChange's index holds
    // for the URI or, when it holds none and `allocate` is set, a new id from OpenChange's
    // allocator, registered in the index for that URI. The same URI twice gets one answer.
    virtual Status resolve(const std::string& user, std::vector<MessageLookup>& lookups) = 0;
    // The URI the index holds for `mid` (ocs_subscribe on a message); nullopt: none.
    virtual Result<std::optional<std::string>> messageUri(const std::string& user, store::Mid mid) = 0;
};

} // namespace ocs::client_module
