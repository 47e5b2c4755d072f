// ocsmanagerd: the OCSManager daemon.
#include "auth/account_store.hpp"
#include "auth/authenticator.hpp"
#include "common/clock.hpp"
#include "config/config.hpp"
#include "daemon/log.hpp"
#include "daemon/log_throttle.hpp"
#include "daemon/messages.hpp"
#include "daemon/metrics.hpp"
#include "daemon/server.hpp"
#include "daemon/signals.hpp"
#include "queue/backends.hpp"
#include "queue/commit_writer.hpp"
#include "queue/event_router.hpp"
#include "queue/notifier.hpp"
#include "service/request.hpp"
#include "store/queue_store.hpp"
#include "store/queue_writer.hpp"
#include "store/registry.hpp"

#include <boost/program_options.hpp>

#include <fstream>
#include <iostream>

namespace po = boost::program_options;

namespace {

struct Options {
    std::string configFile;
    std::vector<std::string> overrides;
    std::string portFile;
    bool checkOnly = false;
};

// Returns 0 to go on, or the exit status (2: usage, 0: --help/--version).
int parseCommandLine(int argc, char** argv, Options& options)
{
    po::options_description description("Usage: ocsmanagerd [options]\nOptions");
    std::string listen, stateDir, logLevel, workers;
    description.add_options()("help,h", "print this help and exit")("version", "print the version and exit")(
        "config,c", po::value(&options.configFile), "configuration file (INI); without it the embedded defaults apply")(
        "set,s", po::value(&options.overrides)->composing(), "override one option: section.option=value (repeatable)")(
        "listen", po::value(&listen), "same as --set server.listen=HOST:PORT")("state-dir", po::value(&stateDir),
                                                                               "same as --set state.directory=DIR")(
        "workers", po::value(&workers), "same as --set server.workers=N")("log-level", po::value(&logLevel),
                                                                          "same as --set log.level=LEVEL")(
        "port-file", po::value(&options.portFile), "write the bound port to FILE once listening")(
        "check-config", po::bool_switch(&options.checkOnly),
        "read and check the configuration file and the overrides, then exit (0: valid)");
    po::variables_map values;
    try {
        po::store(po::parse_command_line(argc, argv, description), values);
        po::notify(values);
    } catch (const po::error& e) {
        std::cerr << "ocsmanagerd: " << e.what() << "\n" << description;
        return 2;
    }
    if (values.count("help")) {
        std::cout << description;
        return -1;
    }
    if (values.count("version")) {
        std::cout << "ocsmanagerd " OCS_VERSION "\n";
        return -1;
    }
    auto shortcut = [&](const char* option, const char* key, const std::string& value) {
        if (values.count(option))
            options.overrides.push_back(std::string(key) + "=" + value);
    };
    shortcut("listen", "server.listen", listen);
    shortcut("state-dir", "state.directory", stateDir);
    shortcut("workers", "server.workers", workers);
    shortcut("log-level", "log.level", logLevel);
    return 0;
}

ocs::Result<ocs::Config> buildConfig(const Options& options)
{
    ocs::Config config;
    if (!options.configFile.empty()) {
        auto loaded = ocs::loadConfig(options.configFile);
        if (!loaded)
            return loaded.error();
        config = *loaded;
    }
    if (auto status = ocs::applyOverrides(config, options.overrides); !status)
        return status.error();
    return config;
}

int fail(const ocs::Error& error)
{
    const std::string text = error.detail.empty() ? std::string(error.row().message) : error.detail;
    ocs::log::error(ocs::msg::StartFailed, "cannot start: " + text);
    std::cerr << "ocsmanagerd: " << text << "\n";
    ocs::log::stop();
    return 1;
}

// Counts every commit in the metrics; a failed one is also logged (W-2005),
// at most once a second.
ocs::queue::CommitWriter::Observer commitObserver(ocs::daemon::Metrics& metrics)
{
    return
        [&metrics, failures = ocs::log::Throttle()](auto elapsed, std::size_t jobs, const ocs::Status& result) mutable {
            metrics.recordCommit(elapsed, jobs);
            std::uint64_t heldBack = 0;
            if (!result && failures.allow(heldBack))
                ocs::log::warning(ocs::msg::CommitFailed,
                                  "commit failed, its " + std::to_string(jobs) +
                                      " requests answered StoreUnavailable: " + result.error().detail + " (" +
                                      std::to_string(heldBack) + " more failed commits not logged before this)");
        };
}

} // namespace

int main(int argc, char** argv)
{
    Options options;
    if (int status = parseCommandLine(argc, argv, options); status != 0)
        return status < 0 ? 0 : status;
    auto config = buildConfig(options);
    if (!config)
        return fail(config.error());
    if (options.checkOnly) {
        std::cout << "ocsmanagerd: configuration is valid\n";
        return 0;
    }

    ocs::daemon::SignalThread::blockSignals();
    if (auto status = ocs::log::start(config->log); !status)
        return fail(status.error());

    auto accounts = ocs::auth::AccountStore::open(config->stateDirectory);
    if (!accounts)
        return fail(accounts.error());
    ocs::SystemClock clock;
    ocs::auth::Authenticator authenticator(**accounts, clock, config->auth);

    auto registry = ocs::store::Registry::open(config->stateDirectory);
    if (!registry)
        return fail(registry.error());
    ocs::store::QueueStoreOptions storeOptions;
    storeOptions.sync = config->store.sync;
    storeOptions.retainedEntries = config->store.retainedEntries;
    storeOptions.duplicates = {config->store.duplicateWindow, config->store.duplicateWindowMessages};
    storeOptions.openFormat1 = true; // the queue writer migrates it
    auto queues = ocs::store::QueueStore::open(config->stateDirectory, storeOptions);
    if (!queues)
        return fail(queues.error());
    // Before the writer: its last applies still wake sessions.
    ocs::queue::Notifier notifier(config->stateDirectory, **registry);
    ocs::store::QueueWriterOptions writerOptions;
    writerOptions.maxApplyPause = config->store.maxApplyPause;
    // A session that got entries from many commits is woken once per transaction.
    writerOptions.runCallbacks = [&notifier](const std::vector<std::function<void()>>& callbacks) {
        const ocs::queue::Notifier::Gathering gathering(notifier);
        for (const auto& callback : callbacks)
            callback();
    };
    writerOptions.applyFailed = [](const ocs::Error& error) {
        ocs::log::warning(ocs::msg::ApplyFailed,
                          "store.tdb: journaled batches not applied yet, retrying: " + error.detail);
    };
    auto journaled = ocs::store::QueueWriter::open(**queues, config->stateDirectory, std::move(writerOptions));
    if (!journaled)
        return fail(journaled.error());
    ocs::daemon::Metrics metrics(ocs::daemon::serviceGauges(authenticator, **queues, journaled->get()));
    ocs::queue::CommitWriter writer(**journaled, config->store.commitBatch, commitObserver(metrics));
    ocs::queue::Backends backends(config->backends);
    ocs::queue::EventRouter router(backends, **registry, writer, clock, config->limits.maxFieldLength, &notifier,
                                   [&](std::size_t events) { metrics.tallyCommitEvents(events); });
    ocs::service::Dependencies deps{authenticator, router, *config};

    ocs::daemon::Server server(*config, deps, metrics);
    if (auto status = server.open(); !status)
        return fail(status.error());
    if (!options.portFile.empty())
        std::ofstream(options.portFile) << server.port() << "\n";

    ocs::daemon::SignalThread signals(
        [&] {
            ocs::log::info(ocs::msg::Stopping, "stopping: finishing in-flight requests");
            server.stop();
        },
        [&] {
            ocs::log::reopen();
            authenticator.reloadAccounts();
            ocs::log::info(ocs::msg::Reloaded, "reloaded: log files reopened, accounts re-read");
        });
    ocs::log::info(ocs::msg::Started, "listening on " + server.describe() +
                                          " state=" + config->stateDirectory.string() +
                                          " replayed=" + std::to_string((*journaled)->stats().replayedRecords));
    server.run();
    const ocs::queue::CommitStats commits = writer.stats();
    const ocs::store::WriterStats applies = (*journaled)->stats();
    ocs::log::info(ocs::msg::Stopped,
                   "stopped; commits=" + std::to_string(commits.commits) + " jobs=" + std::to_string(commits.jobs) +
                       " largest_batch=" + std::to_string(commits.largestBatch) + " applies=" +
                       std::to_string(applies.applies) + " largest_apply=" + std::to_string(applies.largestApply));
    ocs::log::stop();
    return 0;
}
