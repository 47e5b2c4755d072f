// Client-module benchmark: the time from a NewMail's SOAP acknowledgement to
// the consuming session's descriptor becoming readable, while other producer
// threads keep the daemon under NewMail load; then drain throughput.
//
//   ocs-bench-client URL STATE_DIR PASSWORD_FILE [SAMPLES] [LOAD_THREADS] [USERS]
// The account "bench" must exist; users userN are provisioned (see
// provision.cpp). The measured session is for OpenChange user "oc0".
#include "client_module/ocsmanager_client.h"
#include "producer/producer_client.hpp"

#include <poll.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <fstream>
#include <iostream>
#include <thread>
#include <vector>

using Clock = std::chrono::steady_clock;

namespace {

std::string readPassword(const std::string& file)
{
    std::ifstream in(file);
    std::string line;
    std::getline(in, line);
    return line;
}

bool login(ocs::producer::ProducerClient& client, const std::string& password)
{
    if (client.login("bench", password))
        return true;
    std::cerr << "login failed: " << client.lastError().message << "\n";
    return false;
}

double percentile(std::vector<double> values, double p)
{
    std::sort(values.begin(), values.end());
    return values[std::min(values.size() - 1, static_cast<std::size_t>(p / 100.0 * values.size()))];
}

} // namespace

int main(int argc, char** argv)
{
    if (argc < 4) {
        std::cerr << "usage: ocs-bench-client URL STATE_DIR PASSWORD_FILE [SAMPLES] [LOAD_THREADS] [USERS]\n";
        return 2;
    }
    const std::string url = argv[1], state = argv[2], password = readPassword(argv[3]);
    const int samples = argc > 4 ? std::atoi(argv[4]) : 500;
    const int loadThreads = argc > 5 ? std::atoi(argv[5]) : 8;
    const int users = argc > 6 ? std::atoi(argv[6]) : 100;
    ocs::producer::ClientOptions options;
    options.url = url;

    ocs_handle* handle = nullptr;
    ocs_session* session = nullptr;
    if (ocs_open(state.c_str(), &handle) != OCS_OK || ocs_session_open(handle, "oc0", nullptr, &session) != OCS_OK ||
        ocs_subscribe(session, 1, OCS_FNEV_NEW_MAIL, 0, 0, OCS_TABLE_NONE) != OCS_OK) {
        std::cerr << "cannot open the client module on " << state << "\n";
        return 1;
    }
    std::vector<std::uint8_t> buffer(1 << 20);
    std::size_t written = 0, count = 0;
    ocs_drain(session, 0, buffer.data(), buffer.size(), &written, &count);

    // Background load: NewMail for the other users.
    std::atomic<bool> stop{false};
    std::atomic<long> loadRequests{0};
    std::vector<std::thread> load;
    for (int t = 0; t < loadThreads; ++t) {
        load.emplace_back([&, t] {
            ocs::producer::ProducerClient client(options);
            if (!login(client, password))
                return;
            for (long i = 0; !stop; ++i) {
                ocs::producer::NewMailResult result;
                const std::string user = "user" + std::to_string(1 + (i * loadThreads + t) % std::max(1, users - 1));
                if (!client.newMail({"SOGo", user, "INBOX", "load-" + std::to_string(t) + "-" + std::to_string(i), {},
                                     {}, {}, {}},
                                    result))
                    return;
                ++loadRequests;
            }
        });
    }

    ocs::producer::ProducerClient measured(options);
    if (!login(measured, password))
        return 1;
    std::vector<double> latencies; // ms from acknowledgement to readable (0 when readable first)
    const auto loadStart = Clock::now();
    for (int i = 0; i < samples; ++i) {
        ocs::producer::NewMailResult result;
        if (!measured.newMail({"SOGo", "user0", "INBOX", "measured-" + std::to_string(i), {}, {}, {}, {}}, result)) {
            std::cerr << "NewMail failed: " << measured.lastError().message << "\n";
            return 1;
        }
        const auto acknowledged = Clock::now();
        pollfd p{ocs_session_fd(session), POLLIN, 0};
        if (::poll(&p, 1, 5000) != 1) {
            std::cerr << "the session was not woken within 5 s\n";
            return 1;
        }
        latencies.push_back(std::chrono::duration<double, std::milli>(Clock::now() - acknowledged).count());
        ocs_drain(session, 0, buffer.data(), buffer.size(), &written, &count);
    }
    stop = true;
    for (std::thread& thread : load)
        thread.join();
    const double seconds = std::chrono::duration<double>(Clock::now() - loadStart).count();

    // Drain throughput: queue a backlog (Notify batches of 100), drain it all.
    ocs::producer::ProducerClient filler(options);
    if (!login(filler, password))
        return 1;
    constexpr int kBacklog = 900; // within the default retained window of 1000
    for (int b = 0; b < kBacklog / 100; ++b) {
        std::vector<ocs::producer::NotifyEvent> batch;
        for (int i = 0; i < 100; ++i) {
            ocs::producer::NotifyEvent e;
            e.backend = "SOGo";
            e.username = "user0";
            e.folder = "INBOX";
            e.messageId = "backlog-" + std::to_string(b * 100 + i);
            batch.push_back(e);
        }
        std::vector<ocs::producer::EventOutcome> outcomes;
        if (!filler.notify(batch, outcomes))
            return 1;
    }
    // Entries become readable as store.tdb takes the journal, in one or more
    // transactions: the session drains after each wake-up, and only the time
    // spent in ocs_drain counts.
    std::size_t drainedTotal = 0;
    double drainSeconds = 0;
    while (drainedTotal < kBacklog) {
        pollfd p{ocs_session_fd(session), POLLIN, 0};
        if (::poll(&p, 1, 5000) != 1) {
            std::cerr << "the backlog was not all readable within 5 s of the last wake-up\n";
            return 1;
        }
        do {
            const auto drainStart = Clock::now();
            if (ocs_drain(session, 0, buffer.data(), buffer.size(), &written, &count) != OCS_OK)
                return 1;
            drainSeconds += std::chrono::duration<double>(Clock::now() - drainStart).count();
            drainedTotal += count;
        } while (count > 0);
    }

    std::cout << "wake-up latency after the acknowledgement, " << samples << " samples under load of "
              << static_cast<long>(loadRequests / seconds) << " NewMail/s (" << loadThreads
              << " producers): p50 " << percentile(latencies, 50) << " ms, p99 " << percentile(latencies, 99)
              << " ms, max " << percentile(latencies, 100) << " ms\n";
    std::cout << "drain: " << drainedTotal << " notifications in " << drainSeconds << " s = "
              << static_cast<long>(drainedTotal / drainSeconds) << " per second\n";
    ocs_session_close(session);
    ocs_close(handle);
    return drainedTotal >= kBacklog ? 0 : 1;
}
