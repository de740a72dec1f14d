// `authdiff infer`: recorded traffic (HAR, Postman) -> an OpenAPI 3.1 file; and the same inference
// in memory for `scan --har/--postman` (add_traffic), where each recorded credential can become an
// identity and operations missing from a given spec are scanned as observed ones.
#include <algorithm>
#include <cstdio>
#include <ctime>
#include <iostream>

#include "app/commands.hpp"
#include "app/scan.hpp"
#include "infer/infer.hpp"
#include "judge/detect.hpp"
#include "spec/document.hpp"
#include "spec/refs.hpp"
#include "util/file.hpp"
#include "util/strings.hpp"

namespace authdiff::app {

namespace {

// Replaces, in place, each value a detector finds with its masked form.
void mask_with(const judge::Detectors& detectors, nlohmann::json& example) {
  for (const auto& d : detectors.scan(example)) {
    if (!d.unmasked || d.pointer.empty()) continue;
    try {
      example[nlohmann::json::json_pointer(d.pointer)] = d.masked;
    } catch (const nlohmann::json::exception&) {
      // A pointer the detector made from an odd member name: leave that value as it is.
    }
  }
}

std::string plural(std::size_t n, const char* word) {
  return std::to_string(n) + " " + word + (n == 1 ? "" : "s");
}

std::string when(long long epoch) {
  const std::time_t t = static_cast<std::time_t>(epoch);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M UTC", &tm);
  return buf;
}

}  // namespace

infer::Inferred infer_traffic(const std::vector<std::string>& har,
                              const std::vector<std::string>& postman) {
  std::vector<infer::Recording> recordings;
  for (const auto& f : har) {
    auto r = infer::read_har(f);
    if (!r) throw Failure(r.error(), k_exit_usage);
    recordings.push_back(std::move(r.value()));
  }
  for (const auto& f : postman) {
    auto r = infer::read_postman(f);
    if (!r) throw Failure(r.error(), k_exit_usage);
    recordings.push_back(std::move(r.value()));
  }
  const judge::Detectors detectors;
  infer::Options options;
  options.mask = [&](nlohmann::json& j) { mask_with(detectors, j); };
  auto inferred = infer::infer_openapi(recordings, options);
  if (inferred.samples == 0) {
    throw Failure(
        Error{recordings.empty() ? "" : recordings.front().file, 0, 0,
              "no API calls in the recorded traffic (" + plural(inferred.skipped, "entry") +
                  " left out as static files, preflights or unanswered requests)"},
        k_exit_usage);
  }
  const long long now = static_cast<long long>(std::time(nullptr));
  for (const auto& c : inferred.credentials) {
    if (c.expires_at && *c.expires_at < now) {
      std::cerr << "authdiff: warning: the recorded credential " << c.name << " (first in "
                << c.first_seen << ") expired at " << when(*c.expires_at)
                << ": the target will refuse it; record the traffic again\n";
    }
  }
  return inferred;
}

void add_traffic(Prepared& prepared, const ScanArgs& args) {
  if (args.har.empty() && args.postman.empty()) return;
  auto inferred = infer_traffic(args.har, args.postman);
  const std::string source = !args.har.empty() ? args.har.front() : args.postman.front();
  std::size_t observed = 0;
  if (args.spec.empty()) {
    auto ws = spec::Workspace::from_json(inferred.document, source);
    if (!ws) throw Failure(ws.error(), k_exit_usage);
    auto api = spec::build_api(ws.value());
    if (!api) throw Failure(api.error(), k_exit_usage);
    prepared.api = std::move(api.value());
  } else {
    // Operations the spec does not document join it, marked as observed.
    const auto keys = infer::undocumented_operations(prepared.api, inferred.document);
    if (!keys.empty()) {
      auto ws = spec::Workspace::from_json(infer::only_operations(inferred.document, keys), source);
      if (!ws) throw Failure(ws.error(), k_exit_usage);
      auto extra = spec::build_api(ws.value());
      if (!extra) throw Failure(extra.error(), k_exit_usage);
      for (auto& [name, scheme] : extra->schemes) prepared.api.schemes.emplace(name, scheme);
      for (auto& op : extra->operations) {
        op.observed = true;
        prepared.api.operations.push_back(std::move(op));
      }
      prepared.api.more_workspaces.push_back(extra->workspace);
      observed = keys.size();
    }
  }
  prepared.recorded = std::move(inferred.credentials);
  std::fprintf(stderr, "authdiff: %s from %s in the recorded traffic%s\n",
               plural(inferred.operations, "operation").c_str(),
               plural(inferred.samples, "API call").c_str(),
               args.spec.empty() ? ""
                                 : (", " + std::to_string(observed) + " of them not in " +
                                    args.spec + " (scanned as observed)")
                                       .c_str());
}

void adopt_recorded_identities(config::Config& config,
                               const std::vector<infer::RecordedCredential>& recorded,
                               bool traffic_given) {
  if (!config.identities_from_traffic) return;
  if (!traffic_given) {
    throw Failure(Error{config.file, config.identities_from_traffic_line, 0,
                        "identities_from_traffic = true, but no --har or --postman was given"},
                  k_exit_usage);
  }
  for (auto& id : infer::identities_from(recorded)) {
    auto it = std::find_if(config.identities.begin(), config.identities.end(),
                           [&](const auto& c) { return c.name == id.name; });
    if (it == config.identities.end()) {
      config.identities.push_back(std::move(id));
    } else if (it->credentials.empty() && !it->login) {
      it->credentials = std::move(id.credentials);  // the config's level, owns, user_id stay
    } else {
      id.name += "-recorded";
      config.identities.push_back(std::move(id));
    }
  }
  if (recorded.empty() && config.identities.empty()) {
    throw Failure(Error{config.file, config.identities_from_traffic_line, 0,
                        "identities_from_traffic = true, but the recorded traffic carries no "
                        "credential (a Postman {{variable}} without a value is none): give the "
                        "config [identities.NAME] with credentials"},
                  k_exit_usage);
  }
  std::vector<std::string> names;
  for (const auto& r : recorded) names.push_back(r.name);
  for (const auto& id : config.identities) {
    if (id.credentials.empty() && !id.login) {
      throw Failure(Error{config.file, id.line, 0,
                          "identities." + id.name +
                              " has no credential, and the recorded traffic has none named " +
                              id.name + " (recorded: " +
                              (names.empty() ? std::string("none") : join(names, ", ")) + ")"},
                    k_exit_usage);
    }
  }
  if (!recorded.empty()) {
    std::vector<std::string> lines;
    for (const auto& r : recorded)
      lines.push_back(r.name + " (" + plural(r.requests, "request") + ")");
    std::fprintf(stderr, "authdiff: identities from the recorded traffic: %s\n",
                 join(lines, ", ").c_str());
  }
}

int infer_command(const InferArgs& args) {
  if (args.har.empty() && args.postman.empty())
    throw Failure(Error{"", 0, 0, "infer needs --har FILE or --postman FILE"}, k_exit_usage);
  const auto inferred = infer_traffic(args.har, args.postman);
  nlohmann::json document = inferred.document;
  std::string added;
  if (!args.spec.empty()) {
    auto existing = spec::load_api(args.spec);
    if (!existing) throw Failure(existing.error(), k_exit_usage);
    const auto keys = infer::undocumented_operations(*existing, inferred.document);
    auto text = read_file(args.spec);
    if (!text) throw Failure(text.error(), k_exit_usage);
    auto root = spec::parse_document(*text, args.spec);
    if (!root) throw Failure(root.error(), k_exit_usage);
    auto merged = infer::add_observed(std::move(root.value()), inferred.document, keys, args.spec);
    if (!merged) throw Failure(merged.error(), k_exit_usage);
    document = std::move(merged.value());
    added = ", " + std::to_string(keys.size()) + " of them not in " + args.spec +
            (keys.empty() ? "" : " (added, marked x-authdiff-observed)");
  }
  const bool json_out = args.output.ends_with(".json");
  const std::string text = json_out ? document.dump(2) + "\n" : infer::to_yaml(document);
  if (args.output.empty() || args.output == "-") {
    std::fwrite(text.data(), 1, text.size(), stdout);
  } else if (auto ok = write_file(args.output, text); !ok) {
    throw Failure(ok.error(), k_exit_usage);
  }
  std::fprintf(
      stderr,
      "authdiff: %s inferred from %s (%s left out: static files, preflights, "
      "unanswered)%s; %s recorded, none written%s\n",
      plural(inferred.operations, "operation").c_str(),
      plural(inferred.samples, "API call").c_str(), std::to_string(inferred.skipped).c_str(),
      added.c_str(), plural(inferred.credentials.size(), "credential").c_str(),
      args.output.empty() || args.output == "-" ? "" : ("; written to " + args.output).c_str());
  return k_exit_ok;
}

}  // namespace authdiff::app
