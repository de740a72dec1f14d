#pragma once
// Discovery: who owns which object IDs, learned from the API itself. Each identity calls the
// GET operations it may call that take no path parameter (lists, searches, "me"), every page
// of them; the IDs in the answers are linked to the resources whose ID parameters take them,
// and each ID is recorded with its owner. Linked are: the `id` of a list's items (GET /orders
// -> the resource /orders of /orders/{orderId}); the `id` of a "me" answer (GET /users/me ->
// /users) or of an answer whose schema a `.../{param}` operation returns too (GET /me ->
// {employeeId}); the values OpenAPI response links name; and in "me"-like answers, members
// named like an ID parameter (employeeId, departmentId for {deptId}). A record's owner is the
// identity whose user id one of its fields holds; without one, the identity that alone (among
// its peers) saw it.
// Sends nothing itself: the engine sends `discovery_requests` and hands the answers to
// `discover_ids`.
#include <optional>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "plan/exchange.hpp"
#include "plan/plan.hpp"
#include "plan/principals.hpp"
#include "plan/probe.hpp"

namespace authdiff::plan {

// IDs kept per identity and parameter: enough for cross-owner and enumerate, few enough that
// probes do not multiply.
inline constexpr std::size_t k_max_discovered = 5;

struct DiscoveredId {
  std::string identity;   // the owner
  std::string parameter;  // the path parameter that takes it, e.g. orderId
  std::string value;
  std::string source;    // where it was seen: "GET /api/orders /items/0/id"
  std::string resource;  // whose ID it is: the collection path, e.g. /api/orders
};

struct Discovery {
  std::vector<DiscoveredId> owned;  // at most k_max_discovered per identity and parameter
  std::size_t shared = 0;           // IDs several peers saw (public, not owned)
  std::vector<std::pair<std::string, std::string>> user_ids;  // identity -> id from "me"
};

// Per identity, the GET operations it may call that take no path parameter.
std::vector<Baseline> discovery_requests(const Plan& plan, const Principals& principals);

// The IDs in `responses` (answers to `requests`), linked and attributed. An ID is owned by an
// identity that saw it when no other identity of the same or a lower level saw it too;
// higher levels are expected to see more and do not make an ID shared. Parameters the config
// already lists IDs for (for that identity) are left alone.
Discovery discover_ids(const Plan& plan, const Principals& principals,
                       const std::vector<Baseline>& requests,
                       const std::vector<Response>& responses);

// Pages of one list discovery reads at most (the first one included).
inline constexpr std::size_t k_max_pages = 10;

// The request for the page after `answer` (the answer to `request`, a list), or nullopt on the
// last page: a `next` link in the body (`next`, `links.next`, `_links.next.href`, `meta.next`,
// `pagination.next`, `paging.next`; absolute on the same origin, a path, or a query), a `Link`
// header with rel="next", or, where the operation takes a page number or an offset, the next
// one while the body says there are more (`pages`, `totalPages`, `total`, `hasMore`, ...).
std::optional<Request> next_page(const Plan& plan, const Baseline& request, const Response& answer);

// What discover_ids reads of `answer`, in place: a large answer's body becomes the same JSON with
// every array cut to the items discovery reads, so a run of large lists is not held whole until
// their IDs are read. Ask next_page() first: it counts the whole page.
void keep_what_discovery_reads(Response& answer);

// Add the discovered IDs to the identities' `owns`, keyed by resource (and `user_id` where
// the config and the sign-in gave none).
void adopt(Principals& principals, const Discovery& discovery);

// With --allow-unsafe: a POST that creates objects of an ID parameter's collection
// (POST /orders for {orderId} of /orders/{orderId}), and the DELETE that removes one, if any.
struct Creation {
  std::size_t create = 0;  // the POST operation
  std::string parameter;
  std::string resource;               // the collection the POST adds to (/orders)
  std::optional<std::size_t> remove;  // the DELETE .../{parameter} operation
};
// The plan's creations: only operations the plan replays (unsafe methods allowed).
std::vector<Creation> creations(const Plan& plan);

// The ID of the object a create request made: the answer's `id` (also under `data`), else the
// last segment of its Location header.
std::optional<std::string> created_id(const Response& response);

// An object authdiff created for fresh IDs, and whether it was removed again.
struct CreatedObject {
  std::string identity, parameter, value;
  std::string removal;   // "deleted", "no DELETE operation", or what the DELETE got
  std::string resource;  // the collection it was added to
};

}  // namespace authdiff::plan
