// The id resolver for OpenChange's TDB indexing backend: reads and writes
// each user's indexing.tdb in OpenChange's own format, and allocates from
// OpenChange's own counter in it.
//
// The format, as OpenChange's mapiproxy/libmapistore/backends/indexing_tdb.c
// and mapistore_indexing.c (tree 03bae8ff) read and write it:
// - File: <mapistore directory>/<user>/indexing.tdb, the mapistore directory
//   being <Samba private dir>/mapistore (mapistore_init makes it, 0700).
//   mapistore_indexing_tdb_init makes the user's directory (mkdir 0700, no
//   parents, errors ignored) and opens the file with the default hash size,
//   no TDB flags, O_RDWR|O_CREAT, mode 0600. It does so on any first use,
//   reads included; we create nothing for a lookup that allocates nothing.
// - One record per indexed folder or message: key = the id as text,
//   "0x%.16" PRIx64 (0x and 16 lowercase hex digits, 18 bytes), value = the
//   URI's bytes without a terminating NUL (tdb_record_add, TDB_INSERT after
//   checking that neither the key nor its soft-deleted form exists).
// - Soft deletion re-keys the record as "SOFT_DELETED:" + the key, same
//   value (tdb_record_del). Id -> URI still answers it (flagged soft-deleted);
//   URI -> id does not skip it and answers id 0 when it meets it first
//   (strtoull of the key). We ignore soft-deleted records both ways: they
//   name deleted objects, and an id 0 must never reach the wire.
// - The counter: key "GlobalCount", value "0x%.16" PRIx64 of the NEXT counter
//   to hand out; absent or empty means 1 (tdb_record_allocate_fmids, which
//   returns the value read and stores value + count, with no transaction).
//   An id is (exchange_globcnt(counter) << 16) | 0x0001
//   (mapistore_indexing_get_new_folderID_as_user; store::makeMapiId), so the
//   first id of a user is 0x0100000000000001.
// - URI -> id walks the whole file (tdb_record_get_fmid, tdb_traverse_read,
//   first match wins) and compares after removing ONE trailing '/' from the
//   stored URI and from the one looked for: "a/" and "a" match, "a//" and
//   "a" do not. We apply exactly that rule and nothing else. OpenChange also
//   accepts one '*' wildcard, but only with partial = true, which no message
//   lookup of OpenChange's passes (process_newmail_notification looks the
//   message URI up with false): a wildcard would let a URI that contains
//   '*' match some other message and notify under that message's id.
//
// One open per process: libtdb refuses a second open of a file in one
// process (EBUSY), and OpenChange keeps each user's index open in its own
// wrapper for the process's life. A resolver keeps every file it opened open
// until it is destroyed, so it can only serve users whose index the process
// does not hold open elsewhere: an OpenChange process that has the user's
// index open must resolve through OpenChange's own indexing calls (the
// callbacks) instead. Open a resolver after fork(), never carry one across.
//
// Allocation runs in one TDB transaction per resolve(): the URI is checked
// again inside it, the counter is taken, the record inserted and GlobalCount
// rewritten. A second resolver, in this process or another, waits for the
// transaction. OpenChange itself reads and rewrites GlobalCount without one,
// so an OpenChange process that read the counter before our transaction may
// write it back lower afterwards; we therefore start from the larger of
// GlobalCount and the highest counter already registered plus one (the walk
// inside the transaction sees every record), and insert, never replace.
#pragma once

#include "client_module/id_resolver.hpp"
#include "store/tdb.hpp"

#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace ocs::client_module {

class IndexingTdbResolver : public IdResolver {
  public:
    // mapistoreDirectory: OpenChange's mapping path (<private dir>/mapistore);
    // it must exist, as mapistore_set_mapping_path requires.
    static Result<std::unique_ptr<IndexingTdbResolver>> open(const std::filesystem::path& mapistoreDirectory);

    // A user name is a directory name: anything but one safe path component
    // (empty, ".", "..", a '/', a NUL, longer than 255 bytes) is refused with
    // InvalidParameter, as is an empty URI or one with a NUL byte.
    Status resolve(const std::string& user, std::vector<MessageLookup>& lookups) override;
    Result<std::optional<std::string>> messageUri(const std::string& user, store::Mid mid) override;

  private:
    struct Group;

    explicit IndexingTdbResolver(std::filesystem::path directory) : directory_(std::move(directory)) {}

    // The user's open file; nullptr when it does not exist and `create` is
    // false. Created (directory 0700, file 0600) when `create` is set.
    Result<store::TdbFile*> file(const std::string& user, bool create);
    Status allocate(store::TdbFile& index, std::vector<Group>& groups);

    std::mutex mutex_; // one handle may be shared between threads; libtdb handles are not thread-safe
    const std::filesystem::path directory_;
    std::map<std::string, store::TdbFile> files_; // by user, open for the resolver's life
};

} // namespace ocs::client_module
