// `authdiff init --spec FILE`: a commented starter config for the spec. It names the spec's
// security schemes, stubs one privileged identity and two peers with the credential shape the
// schemes ask for, lists the ID parameters it found and the operations it would treat as
// public, and suggests expectations for admin-looking paths (commented out: a person decides).
#include <cstdio>
#include <map>
#include <set>

#include "app/commands.hpp"
#include "spec/model.hpp"
#include "util/error.hpp"
#include "util/file.hpp"
#include "util/strings.hpp"

namespace authdiff::app {

namespace {

std::string upper_name(const std::string& s) {
  std::string out;
  for (const char c : s)
    out += std::isalnum(static_cast<unsigned char>(c))
               ? static_cast<char>(std::toupper(static_cast<unsigned char>(c)))
               : '_';
  return out;
}

// The credential lines of identity `who` for `scheme`.
std::string credential_lines(const spec::SecurityScheme& scheme, const std::string& who) {
  const std::string var = upper_name(who);
  switch (scheme.kind) {
    case spec::SchemeKind::http_basic:
      return "basic = { username = \"" + who + "\", password = \"${" + var + "_PASSWORD}\" }\n";
    case spec::SchemeKind::api_key: {
      // Generated specs often declare a JWT as an API key named Authorization: it is a bearer
      // token (a value that already says "Bearer " is sent with one scheme, not two).
      if (scheme.location == "header" && to_lower(scheme.param_name) == "authorization")
        return "bearer = \"${" + var + "_TOKEN}\"   # the spec's " + scheme.param_name +
               " header\n";
      const std::string env = "${" + var + "_API_KEY}";
      if (scheme.location == "query")
        return "query = { \"" + scheme.param_name + "\" = \"" + env + "\" }\n";
      if (scheme.location == "cookie")
        return "cookies = { \"" + scheme.param_name + "\" = \"" + env + "\" }\n";
      return "headers = { \"" + scheme.param_name + "\" = \"" + env + "\" }\n";
    }
    default:
      return "bearer = \"${" + var + "_TOKEN}\"\n";
  }
}

// The family of a path: its first segment that is not a prefix (api, v1, rest): "/api/v1/users/
// {id}/roles" -> "users".
std::string family_of(const std::string& path) {
  for (const auto& seg : split(path, '/')) {
    const std::string lower = to_lower(seg);
    if (lower.empty() || lower.front() == '{' || lower == "api" || lower == "rest" ||
        lower == "public" ||
        (lower.size() <= 3 && lower[0] == 'v' && lower.size() > 1 &&
         std::isdigit(static_cast<unsigned char>(lower[1]))))
      continue;
    return lower;
  }
  return "";
}

// Commented [[expect]] rules for the spec's path families: administrative names for the
// highest level, sign-in and health for everyone, families that take object IDs for their
// owners, the rest for any signed-in caller.
std::string suggested_rules(const spec::Api& api) {
  // family -> (the path prefix up to it, takes an ID)
  std::map<std::string, std::pair<std::string, bool>> families;
  for (const auto& op : api.operations) {
    const std::string family = family_of(op.path);
    if (family.empty()) continue;
    const auto at = to_lower(op.path).find("/" + family);
    auto& entry = families[family];
    entry.first = op.path.substr(0, at + 1 + family.size());
    for (const auto& p : op.parameters)
      entry.second = entry.second || (p.in == "path" && p.is_id());
  }
  const auto any_of = [](const std::string& name, std::initializer_list<const char*> words) {
    for (const char* w : words) {
      if (name.find(w) != std::string::npos) return true;
    }
    return false;
  };
  std::string out;
  for (const auto& [family, entry] : families) {
    std::string access, note;
    if (any_of(family, {"admin", "manage", "internal", "staff", "system", "setting", "config",
                        "role", "permission", "audit", "tenant", "metric"})) {
      access = "level >= 10";
      note = "administrators only";
    } else if (any_of(family, {"login", "logout", "register", "signup", "signin", "auth", "token",
                               "health", "status", "ping", "docs", "swagger", "openapi"})) {
      access = "public";
      note = "no login needed";
    } else if (family == "users" || family == "user" || family == "accounts" ||
               family == "members") {
      access = "owner";
      note = "one's own record; administrators any (the list: administrators only?)";
    } else if (entry.second) {
      access = "owner";
      note = "each object its owner's";
    } else {
      access = "authenticated";
      note = "any signed-in user";
    }
    out += "# [[expect]]\n# match = [\"* " + entry.first + "\", \"* " + entry.first +
           "/*\"]\n# access = \"" + access + "\"\n# note = \"" + note + "\"\n";
  }
  return out;
}

}  // namespace

int init_command(const InitArgs& args) {
  auto api = spec::load_api(args.spec);
  if (!api) throw Failure(api.error(), k_exit_usage);
  std::string out =
      "# authdiff config for " + args.spec + " (" + api->title + " " + api->version +
      "), written by `authdiff init`.\n"
      "# Fill in the base URL and each identity's credential (values come from the\n"
      "# environment: never commit a token), check the suggestions at the end, then\n"
      "# run `authdiff plan --spec " +
      args.spec +
      " --config THIS_FILE` to see every\n"
      "# request a scan would send. Reference: docs/config.md, \"Config reference\".\n\n";
  std::string base = "https://staging.example.com";
  for (const auto& s : api->servers) {
    if (s.rfind("http://", 0) == 0 || s.rfind("https://", 0) == 0) {
      base = s;
      break;
    }
  }
  out += "[target]\nbase_url = \"" + base +
         "\"   # the only host authdiff contacts; --base-url overrides\n\n";
  out +=
      "[limits]\nconcurrency = 16\nrate = 50          # requests per second against your staging "
      "API\n"
      "timeout = \"10s\"\nbudget = 20000\n\n";

  // Security schemes, and the one identities use.
  const spec::SecurityScheme* primary = nullptr;
  out += "# Security schemes in the spec:\n";
  if (api->schemes.empty())
    out += "#   none declared (authdiff assumes every operation needs a login)\n";
  for (const auto& [name, scheme] : api->schemes) {
    std::string detail = spec::to_string(scheme.kind);
    if (!scheme.location.empty()) detail += ", " + scheme.param_name + " in " + scheme.location;
    if (!scheme.scopes.empty()) detail += ", scopes: " + join(scheme.scopes, " ");
    out += "#   " + name + ": " + detail + "\n";
    if (primary == nullptr || (primary->kind != spec::SchemeKind::http_bearer &&
                               scheme.kind == spec::SchemeKind::http_bearer))
      primary = &scheme;
  }
  std::set<std::string> scopes;
  for (const auto& [_, scheme] : api->schemes)
    scopes.insert(scheme.scopes.begin(), scheme.scopes.end());

  // ID parameters, public operations, admin-looking paths.
  std::map<std::string, std::vector<std::string>> ids;
  std::vector<std::string> publics, admin;
  std::size_t declared = 0;
  for (const auto& op : api->operations) {
    for (const auto& p : op.parameters) {
      if (p.in == "path" && p.is_id()) ids[p.name].push_back(op.key());
    }
    const bool says = op.security.source != spec::Security::Source::none;
    if (says && !op.security.is_public()) ++declared;
    // Public only where the spec says so (`security: []`), not where it says nothing.
    if (says && op.security.allows_anonymous()) publics.push_back(op.key());
    const std::string lower = to_lower(op.path);
    if (lower.find("/admin") != std::string::npos || lower.find("/internal") != std::string::npos ||
        lower.find("/manage") != std::string::npos)
      admin.push_back(op.method + " " + op.path);
  }

  spec::SecurityScheme fallback;
  fallback.kind = spec::SchemeKind::http_bearer;
  const spec::SecurityScheme& scheme = primary != nullptr ? *primary : fallback;
  const bool any_ids = !ids.empty();
  out +=
      "\n# One privileged identity and two peers of the same level: cross-owner needs two users\n"
      "# who each own objects. Instead of a token, an identity can sign in itself: see\n"
      "# docs/sign-in.md \"Identities that sign in\" (login, oauth2 and command tables).\n";
  out += "\n[identities.admin]\nlevel = 10\n" + credential_lines(scheme, "admin");
  if (!scopes.empty())
    out += "scopes = [" + [&] {
      std::string list;
      for (const auto& s : scopes) list += (list.empty() ? "\"" : ", \"") + s + "\"";
      return list;
    }() + "]\n";
  for (const std::string who : {"alice", "bob"}) {
    out += "\n[identities." + who + "]\nlevel = 1\n" + credential_lines(scheme, who);
    if (any_ids) {
      std::string example;
      for (const auto& [name, _] : ids) example += (example.empty() ? "" : ", ") + name + " = []";
      out += "# owns = { " + example + " }   # or leave it to discovery\n";
    }
  }

  out +=
      "\n# ID parameters found (discovery learns who owns which from lists and \"me\" answers):\n";
  if (ids.empty()) out += "#   none\n";
  for (const auto& [name, ops] : ids) {
    out += "#   " + name + ": " + ops.front() +
           (ops.size() > 1 ? " and " + std::to_string(ops.size() - 1) + " more" : "") + "\n";
  }
  out +=
      "\n# Operations the spec makes public (no credential needed); authdiff does not probe "
      "them:\n";
  if (publics.empty()) out += "#   none\n";
  for (const auto& k : publics) out += "#   " + k + "\n";
  const bool few = api->operations.size() > 0 && declared * 2 < api->operations.size();
  if (few) {
    out += "\n# The spec declares security on only " + std::to_string(declared) + " of " +
           std::to_string(api->operations.size()) +
           " operations: its silence is no policy. authdiff assumes every\n"
           "# operation the spec says nothing about needs a login; write the team's policy as\n"
           "# [[expect]] rules. Suggestions by path family (uncomment what is true):\n";
    out += suggested_rules(*api);
  }
  if (!admin.empty() && !few) {
    out +=
        "\n# These paths look administrative. If only administrators may call them, say so:\n"
        "# [[expect]]\n# match = [";
    std::set<std::string> globs;
    for (const auto& k : admin) {
      const std::string path = k.substr(k.find(' ') + 1);
      const auto at = to_lower(path).find("/admin");
      globs.insert("* " + (at != std::string::npos ? path.substr(0, at) + "/admin/*" : path));
    }
    std::string list;
    for (const auto& g : globs) list += (list.empty() ? "\"" : ", \"") + g + "\"";
    out += list + "]\n# access = \"level >= 10\"\n";
  }
  if (args.output.empty()) {
    std::fwrite(out.data(), 1, out.size(), stdout);
  } else {
    if (auto ok = write_file(args.output, out); !ok) throw Failure(ok.error(), k_exit_usage);
    std::printf("starter config written to %s\n", args.output.c_str());
  }
  return k_exit_ok;
}

}  // namespace authdiff::app
