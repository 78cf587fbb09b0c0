"""The emulator's mutants: deliberate, named deviations that prove the suites can fail.

Each :class:`Mutant` is one realistic emulator bug (a limit not enforced, an off-by-one, a wrong
code, a renamed field...). ``cmqconform serve --mutant NAME`` switches exactly one on: the name
is checked against this catalog where the product is chosen
(:func:`cmqconform.products.product_emulator`) and travels as a
:class:`~cmqconform.emulator.product.Mutants` value to the gateway, the Backend and the handlers,
whose small hook points read ``if mutants.active("NAME"):`` (``self.mutants``, ``ctx.mutants``)
and behave as the reference whenever no mutant is active. ``cmqconform mutate`` runs each mutant's
:class:`Category` selection of tests and reports which tests caught it.

A mutant whose deviation no API call can observe (or that conforms to a reading the specs allow)
carries ``equivalent``, the reason, and is not counted in the score.

Selectors (:attr:`Category.select`) are strings of space-separated tokens that must all match an
item: a node-id prefix relative to ``suites/`` (``behaviour/test_rewind.py``), ``@mark`` (the
item carries that marker, e.g. ``@invalid``), ``~prefix`` (one of its clause ids starts with
``prefix``) or ``~*suffix`` (one ends with it); a node-id token holding ``*`` is a glob. An item
is selected when any selector matches it.
"""

from __future__ import annotations

from cmqconform.emulator.mutants import Category, Mutant
from cmqconform.errors import ConfigError

__all__ = ["BY_NAME", "CATALOG", "CATEGORIES", "Category", "Mutant", "lookup"]


#: Generated cases of one kind on both surfaces.
_GEN = "generated/"
#: The throttling scenarios' rate: the serve option and the declared limit agree on it.
THROTTLE_RATE = 20

CATEGORIES: dict[str, Category] = {c.name: c for c in (
    Category("validation", "range and required validation",
             (f"{_GEN} @invalid ~*.range", f"{_GEN} @valid ~*.range", f"{_GEN} @missing",
              f"{_GEN} @invalid ~*.max_length", f"{_GEN} @invalid ~*.enum",
              f"{_GEN} @invalid ~*.max_items",
              "behaviour/test_messages.py::test_batches_of_16_and_17",
              "behaviour/test_queue_lifecycle.py::test_limit_above_maximum_refused")),
    Category("types", "type and pattern checks",
             (f"{_GEN} @invalid ~*.type", f"{_GEN} @invalid ~*.pattern")),
    Category("error-codes", "error codes: a wrong code, or a legacy module code",
             (f"{_GEN} @resource", f"{_GEN} @missing",
              "behaviour/test_messages.py::test_visibility_then_new_handle")),
    Category("envelope", "the envelope: RequestId, Content-Type, HTTP status",
             (f"{_GEN} @resource", f"{_GEN} @protocol", "behaviour/test_envelope.py")),
    Category("fields", "response fields: missing, renamed, wrong type, wrong nullability",
             (f"{_GEN}*baseline*", "behaviour/test_messages.py::test_send_receive_round_trip",
              "behaviour/test_messages.py::test_statistics_follow_messages",
              "behaviour/test_dead_letters.py::test_sources_listed_then_unbound")),
    Category("pagination", "pagination defaults and maximums",
             ("behaviour/test_queue_lifecycle.py::test_listing_pages_and_filters",
              "behaviour/test_queue_lifecycle.py::test_limit_above_maximum_refused",
              "behaviour/test_dead_letters.py::test_sources_listed_then_unbound",
              f"{_GEN} ~cmq.v3.DescribeQueueDetail.Limit", f"{_GEN} ~cmq.legacy.ListQueue.limit")),
    Category("visibility", "visibility and receipt handles",
             ("behaviour/test_messages.py::test_visibility_then_new_handle",
              "behaviour/test_messages.py::test_handle_expires_with_visibility",
              "behaviour/test_messages.py::test_partial_batch_delete_lists_failures")),
    Category("long-polling", "long polling",
             ("behaviour/test_messages.py::test_long_poll",)),
    Category("delay", "delay",
             ("behaviour/test_messages.py::test_delay_hides_message",)),
    Category("dead-letters", "dead letters",
             ("behaviour/test_dead_letters.py",)),
    Category("rewind", "rewind",
             ("behaviour/test_rewind.py",)),
    Category("filter-tags", "filter tags",
             ("behaviour/test_topics.py::test_filter_tag_rules",
              "behaviour/test_topics.py::test_clear_subscription_filter_tags",
              "behaviour/test_topics.py::test_publish_without_subscription")),
    Category("routing", "routing and binding keys",
             ("behaviour/test_topics.py::test_binding_key_matches_routing_key",
              "behaviour/test_topics.py::test_keys_with_one_dot_too_many_refused")),
    Category("push", "the HTTP push format, headers and retries",
             ("behaviour/test_push.py",)),
    Category("signature", "signature verification, timestamp window and signing host",
             ("behaviour/test_auth.py", f"{_GEN}*CreateQueue* @auth")),
    Category("throttling", "throttling",
             ("behaviour/test_limits.py::test_throttled_target_answers_rate_limited",
              "behaviour/test_throttling.py"),
             serve=("--rate-limit", str(THROTTLE_RATE)),
             declared_limits={"v3_requests_per_second": THROTTLE_RATE,
                              "legacy_requests_per_second": THROTTLE_RATE}),
    Category("names", "the name rules and case-insensitivity",
             ("behaviour/test_queue_lifecycle.py::test_names_unique_ignoring_case",
              "behaviour/test_queue_lifecycle.py::test_deleted_name_refused_inside_release",
              "behaviour/test_names.py", f"{_GEN} @resource")),
    Category("properties", "properties from the specs: round trips, strict types, body fidelity, "
             "name scope and matching, timers, signature integrity",
             ("properties/",)),
    Category("consistency", "v3 and legacy consistency",
             ("behaviour/test_queue_lifecycle.py::test_queue_reads_back_on_the_other_surface",
              "behaviour/test_surface_consistency.py")),
)}


def _m(name: str, category: str, description: str, *clauses: str,
       equivalent: str | None = None) -> Mutant:
    return Mutant(name, category, description, clauses, equivalent)


CATALOG: tuple[Mutant, ...] = (
    # -- range and required validation ----------------------------------------------------------
    _m("range-max-unchecked", "validation",
       "Values above a parameter's maximum are accepted (only the minimum is checked).",
       "cmq.v3.CreateQueue.VisibilityTimeout.range",
       "cmq.legacy.CreateQueue.visibilityTimeout.range"),
    _m("range-min-exclusive", "validation",
       "The documented minimum itself is refused: bounds compared with <= instead of <.",
       "cmq.v3.CreateQueue.VisibilityTimeout.range",
       "cmq.legacy.CreateQueue.visibilityTimeout.range"),
    _m("required-unchecked", "validation",
       "A missing required parameter is not refused; the handler then fails on the absent value.",
       "cmq.v3.CreateQueue.QueueName.required", "cmq.legacy.SendMessage.msgBody.required"),
    _m("enum-unchecked", "validation",
       "Values outside an enumeration (Protocol, NotifyContentFormat, Policy...) are accepted.",
       "cmq.v3.CreateSubscribe.Protocol.enum", "cmq.v3.CreateQueue.Policy.enum"),
    _m("batch-max-items-unchecked", "validation",
       "Batches over the 16-message limit are accepted (array item count never checked).",
       "cmq.legacy.BatchSendMessage.batch_max_16", "cmq.legacy.BatchSendMessage.msgBody.max_items"),
    _m("max-length-off-by-one", "validation",
       "A string one character over its maximum length is accepted (> max + 1); resource "
       "names are still held to 64 by the name pattern's length part, so routing keys show it.",
       "cmq.legacy.PublishMessage.routingKey.max_length",
       "cmq.legacy.BatchPublishMessage.routingKey.max_length"),
    # -- type and pattern checks ---------------------------------------------------------------
    _m("integer-type-unchecked", "types",
       "Integer parameters are not type-checked; a non-numeric string reaches the range check.",
       "cmq.v3.CreateQueue.VisibilityTimeout.type",
       "cmq.legacy.CreateQueue.visibilityTimeout.type"),
    _m("name-pattern-unchecked", "types",
       "Resource names are not matched against the name pattern (underscores, leading digits).",
       "cmq.v3.CreateQueue.QueueName.pattern", "cmq.legacy.CreateQueue.queueName.pattern"),
    _m("name-pattern-prefix-only", "types",
       "The name pattern is matched at the start only (re.match without the end anchor).",
       "cmq.v3.CreateQueue.QueueName.pattern", "cmq.legacy.CreateQueue.name_no_underscore"),
    _m("name-leading-digit-accepted", "types",
       "Names may begin with a digit: the name pattern's first-character part is not enforced.",
       "cmq.v3.CreateQueue.QueueName.pattern", "cmq.legacy.CreateQueue.queueName.pattern"),
    # -- error codes -----------------------------------------------------------------------------
    _m("not-found-invalid-parameter", "error-codes",
       "A queue that does not exist is answered as an invalid parameter, not ResourceNotFound.",
       "cmq.v3.condition.queue_not_found", "cmq.legacy.condition.queue_not_found"),
    _m("legacy-module-code-missing", "error-codes",
       "Legacy error messages lack the '(module code)' prefix.",
       "cmq.legacy.protocol.envelope", "cmq.legacy.condition.queue_not_found"),
    _m("receipt-handle-generic-code", "error-codes",
       "An invalid receipt handle is answered with the generic invalid-parameter code, not 4430.",
       "cmq.legacy.condition.receipt_handle_invalid",
       "cmq.legacy.DeleteMessage.latest_handle_only"),
    # -- the envelope ----------------------------------------------------------------------------
    _m("v3-error-request-id-missing", "envelope",
       "API 3.0 error answers carry no RequestId.",
       "cmq.v3.protocol.content_type_json", "cmq.v3.CreateQueue.response.RequestId"),
    _m("legacy-request-id-missing", "envelope",
       "Legacy success answers carry no requestId.",
       "cmq.legacy.protocol.envelope", "cmq.legacy.SendMessage.response.requestId"),
    _m("content-type-charset", "envelope",
       "Answers are labelled 'application/json; charset=utf-8', with which the API 3.0 SDK "
       "silently drops errors (CLIENT-WIRE-NOTES.md:54).",
       "cmq.v3.protocol.content_type_json", "cmq.legacy.protocol.envelope"),
    _m("v3-error-message-missing", "envelope",
       "API 3.0 error answers carry Error.Code but no Error.Message.",
       "cmq.v3.protocol.content_type_json"),
    _m("legacy-code-stringified", "envelope",
       "Legacy answers send code as a string (\"0\"), which the official SDK reads as an error "
       "(CLIENT-WIRE-NOTES.md:22).",
       "cmq.legacy.protocol.envelope"),
    _m("error-http-400", "envelope",
       "Error answers use HTTP 400 (REST style) instead of HTTP 200 with the error in the body.",
       "cmq.v3.protocol.content_type_json", "cmq.legacy.protocol.envelope"),
    # -- response fields -------------------------------------------------------------------------
    _m("total-count-stringified", "fields",
       "TotalCount is serialised as a string (\"3\") instead of an integer.",
       "cmq.v3.DescribeQueueDetail.response.TotalCount",
       "cmq.v3.DescribeSubscriptionDetail.response.TotalCount"),
    _m("legacy-msgid-renamed", "fields",
       "Legacy answers spell msgId as MsgId (the API 3.0 casing).",
       "cmq.legacy.SendMessage.response.msgId", "cmq.legacy.ReceiveMessage.response.msgId"),
    _m("dequeue-count-missing", "fields",
       "Received messages (ReceiveMessage, BatchReceiveMessage) carry no dequeueCount.",
       "cmq.legacy.ReceiveMessage.response.dequeueCount",
       "cmq.legacy.BatchReceiveMessage.response.msgInfoList"),
    _m("rewind-seconds-missing", "fields",
       "GetQueueAttributes leaves out rewindSeconds.",
       "cmq.legacy.GetQueueAttributes.response.rewindSeconds"),
    _m("dead-letter-policy-empty-object", "fields",
       "A queue without a dead-letter policy reports DeadLetterPolicy as {} instead of null.",
       "cmq.v3.DescribeQueueDetail.response.QueueSet", "cmq.v3.UnbindDeadLetter.clears_policy"),
    # -- pagination ------------------------------------------------------------------------------
    _m("limit-default-ignored", "pagination",
       "Without Limit every item is listed; the default page of 20 is ignored.",
       "cmq.v3.DescribeQueueDetail.Limit.default", "cmq.legacy.ListQueue.default_limit"),
    _m("limit-max-capped", "pagination",
       "A Limit above 50 is silently capped instead of refused.",
       "cmq.v3.DescribeQueueDetail.page_size", "cmq.v3.DescribeQueueDetail.Limit.range"),
    _m("offset-ignored", "pagination",
       "Offset is ignored: every page starts at the first item.",
       "cmq.legacy.ListQueue.paging", "cmq.v3.DescribeQueueDetail.page_size"),
    _m("total-count-is-page-length", "pagination",
       "TotalCount counts the items of the page, not every match.",
       "cmq.legacy.ListQueue.total_count_not_page",
       "cmq.v3.DescribeQueueDetail.response.TotalCount"),
    _m("list-total-off-by-one", "pagination",
       "ListQueue's totalCount is one more than the queues that match.",
       "cmq.legacy.ListQueue.total_count_not_page", "cmq.legacy.ListQueue.response.totalCount"),
    # -- visibility and receipt handles ----------------------------------------------------------
    _m("stale-handle-deletes", "visibility",
       "An older receipt handle of a message still deletes it after a newer receive.",
       "cmq.legacy.DeleteMessage.latest_handle_only",
       "cmq.legacy.ReceiveMessage.receipt_handle_per_receive"),
    _m("visibility-not-applied", "visibility",
       "A received message is not hidden for visibilityTimeout: it can be received again at once.",
       "cmq.legacy.ReceiveMessage.visibility_timeout", "cmq.legacy.ReceiveMessage.redelivery"),
    _m("handle-never-expires", "visibility",
       "A receipt handle still deletes after its visibility timeout has run out.",
       "cmq.legacy.DeleteMessage.handle_expires",
       "cmq.legacy.BatchReceiveMessage.receipt_handle_validity"),
    _m("handle-is-message-id", "visibility",
       "The receipt handle is the msgId, so every receive of a message returns the same handle.",
       "cmq.legacy.ReceiveMessage.receipt_handle_per_receive",
       "cmq.legacy.DeleteMessage.latest_handle_only"),
    # -- long polling ----------------------------------------------------------------------------
    _m("long-poll-returns-immediately", "long-polling",
       "An empty receive answers at once, ignoring pollingWaitSeconds.",
       "cmq.legacy.ReceiveMessage.long_polling", "cmq.legacy.BatchReceiveMessage.long_polling"),
    _m("long-poll-ignores-arrival", "long-polling",
       "A waiting receive is not woken by a send; it returns only when its wait runs out.",
       "cmq.legacy.ReceiveMessage.long_polling", "cmq.legacy.BatchReceiveMessage.long_polling"),
    _m("long-poll-queue-default-ignored", "long-polling",
       "A receive without pollingWaitSeconds ignores the queue's pollingWaitSeconds.",
       "cmq.legacy.ReceiveMessage.polling_default"),
    # -- delay -----------------------------------------------------------------------------------
    _m("delay-ignored", "delay",
       "delaySeconds is ignored: a delayed message is visible at once.",
       "cmq.legacy.SendMessage.delay_hides_message",
       "cmq.legacy.ReceiveMessage.delayed_not_received"),
    _m("delay-counted-inactive", "delay",
       "Delayed messages are counted as inactive, so delayMsgNum stays 0.",
       "cmq.legacy.GetQueueAttributes.stats_delay"),
    _m("batch-delay-ignored", "delay",
       "BatchSendMessage ignores delaySeconds (SendMessage honours it).",
       "cmq.legacy.BatchSendMessage.delay_applies_to_batch"),
    # -- dead letters ----------------------------------------------------------------------------
    _m("dead-letter-dropped", "dead-letters",
       "A message past MaxReceiveCount is dropped instead of moved to the dead letter queue.",
       "cmq.v3.CreateQueue.dead_letter_max_receive"),
    _m("dead-letter-off-by-one", "dead-letters",
       "A message moves only after MaxReceiveCount + 1 receives (> instead of >=).",
       "cmq.v3.CreateQueue.dead_letter_max_receive"),
    _m("unbind-keeps-policy", "dead-letters",
       "UnbindDeadLetter answers success but keeps the dead-letter policy.",
       "cmq.v3.UnbindDeadLetter.clears_policy"),
    # -- rewind ----------------------------------------------------------------------------------
    _m("rewind-window-unchecked", "rewind",
       "StartConsumeTime is not checked against the rewind window (or the future).",
       "cmq.v3.RewindQueue.start_within_window", "cmq.legacy.RewindQueue.time_out_of_window"),
    _m("rewind-without-rewind-seconds", "rewind",
       "A queue with rewindSeconds 0 is not refused as rewind-disabled.",
       "cmq.v3.RewindQueue.rewind_requires_enabled", "cmq.legacy.RewindQueue.not_enabled"),
    _m("rewind-forgets-deleted", "rewind",
       "Deleted messages are not kept for the rewind window, so a rewind replays nothing.",
       "cmq.v3.RewindQueue.rewinds_consumption", "cmq.legacy.RewindQueue.rewinds_to_start_time"),
    # -- filter tags -----------------------------------------------------------------------------
    _m("filter-untagged-delivered", "filter-tags",
       "Rule 3 broken: a subscription with filterTag receives messages without msgTag.",
       "cmq.legacy.PublishMessage.filter_rule_3",
       "cmq.v3.CreateSubscribe.filter_tags_without_msgtag"),
    _m("filter-requires-every-tag", "filter-tags",
       "Rule 2 broken: every filterTag must be among the msgTags (subset, not intersection).",
       "cmq.legacy.PublishMessage.filter_rule_2", "cmq.v3.CreateSubscribe.filter_intersection"),
    _m("clear-filter-tags-noop", "filter-tags",
       "ClearSubscriptionFilterTags answers success but keeps the tags.",
       "cmq.v3.ClearSubscriptionFilterTags.clears_filter_tags",
       "cmq.legacy.ClearSubscriptionFilterTags.clears_filter_tags"),
    # -- routing and binding keys ----------------------------------------------------------------
    _m("hash-matches-zero-words", "routing",
       "'#' also matches zero words (the AMQP topic-exchange reading).",
       "cmq.legacy.PublishMessage.filter_type_binding_key",
       equivalent="erratum routing-key-hash: the doc allows both readings, so the suite leaves "
                  "the zero-word case unasserted; a target reading it either way conforms"),
    _m("hash-matches-one-word", "routing",
       "'#' matches exactly one word, like '*'.",
       "cmq.legacy.PublishMessage.filter_type_binding_key"),
    _m("star-matches-many-words", "routing",
       "'*' matches one or more words instead of exactly one.",
       "cmq.legacy.PublishMessage.filter_type_binding_key"),
    _m("key-dots-off-by-one", "routing",
       "Binding and routing keys with 16 dots (one over 15) are accepted.",
       "cmq.legacy.Subscribe.binding_key_dots", "cmq.legacy.PublishMessage.routing_key_dots"),
    # -- HTTP push -------------------------------------------------------------------------------
    _m("push-message-id-header-missing", "push",
       "Pushes omit the x-cmq-message-id header.",
       "cmq.legacy.push.message_id_header"),
    _m("push-no-retries", "push",
       "A push answered with a non-2xx status is never retried.",
       "cmq.legacy.push.failure_retried", "cmq.legacy.push.exponential_decay_retry"),
    _m("push-format-ignored", "push",
       "notifyContentFormat is ignored: every push uses the default format (JSON).",
       "cmq.legacy.push.simplified_body"),
    # -- signature verification ------------------------------------------------------------------
    _m("timestamp-window-unchecked", "signature",
       "The request timestamp is not compared with server time (replays are accepted).",
       "cmq.v3.auth.signature_expired", "cmq.legacy.auth.signature_expired"),
    _m("signing-host-ignored", "signature",
       "Signatures are verified against the listening address, not the Host header as sent.",
       "cmq.v3.auth.signing_host", "cmq.legacy.auth.signing_host"),
    _m("signature-unchecked", "signature",
       "Any signature is accepted from a known SecretId (only the SecretId is looked up).",
       "cmq.v3.auth.signature_failure", "cmq.legacy.auth.signature_failure"),
    _m("session-token-unchecked", "signature",
       "Temporary credentials are accepted with any session token (only the key is checked).",
       "cmq.v3.auth.invalid_token", "cmq.v3.condition.invalid_token"),
    _m("nonce-replay-unchecked", "signature",
       "A v1-signed request is accepted again with the Nonce and Timestamp it already used.",
       "cmq.v3.auth.nonce_replay", "cmq.legacy.auth.nonce_replay"),
    # -- throttling ------------------------------------------------------------------------------
    _m("throttle-never", "throttling",
       "The configured request rate is never enforced.",
       "cmq.v3.protocol.rate_limit", "cmq.v3.condition.rate_limited"),
    _m("throttle-quota-code", "throttling",
       "Throttled requests are answered with the quota code (LimitExceeded), not "
       "RequestLimitExceeded.",
       "cmq.v3.condition.rate_limited", "cmq.legacy.condition.rate_limited"),
    # -- names -----------------------------------------------------------------------------------
    _m("names-case-sensitive", "names",
       "The duplicate-name check is case-sensitive, so 'Q1' and 'q1' can both be created.",
       "cmq.legacy.CreateQueue.name_case_insensitive", "cmq.v3.CreateQueue.name_unique"),
    _m("release-window-ignored", "names",
       "A deleted queue's name can be created again at once.",
       "cmq.legacy.CreateQueue.name_release_window", "cmq.v3.DeleteQueue.name_release_window"),
    _m("topic-release-window-ignored", "names",
       "A deleted topic's name can be created again at once.",
       "cmq.legacy.CreateTopic.release_window", "cmq.v3.DeleteTopic.name_release_window"),
    # -- v3 and legacy consistency ---------------------------------------------------------------
    _m("v3-polling-wait-from-default", "consistency",
       "API 3.0 reports the default PollingWaitSeconds, not the value legacy stored.",
       "cmq.v3.DescribeQueueDetail.lists_queues",
       "cmq.legacy.GetQueueAttributes.reflects_attributes"),
    _m("v3-modify-not-shared", "consistency",
       "ModifyQueueAttribute changes only the API 3.0 view; legacy reads the old values.",
       "cmq.v3.ModifyQueueAttribute.modifies_attributes",
       "cmq.legacy.GetQueueAttributes.reflects_attributes"),
    _m("v3-filter-tags-hidden", "consistency",
       "API 3.0 lists a subscription's FilterTags empty although legacy set them.",
       "cmq.v3.DescribeSubscriptionDetail.lists_subscriptions",
       "cmq.legacy.GetSubscriptionAttributes.reflects_subscribe"),

    # -- properties (suites/properties) ----------------------------------------------------------
    _m("listed-integers-as-floats", "properties",
       "Listed items carry their integer members as JSON numbers (VisibilityTimeout 30.0), "
       "which JSON Schema's integer still accepts.",
       "cmq.v3.DescribeQueueDetail.response.QueueSet",
       "cmq.v3.DescribeTopicDetail.response.TopicSet"),
    _m("body-edges-stripped", "properties",
       "Received message bodies lose the whitespace at their edges.",
       "cmq.legacy.SendMessage.body_fidelity", "cmq.legacy.BatchSendMessage.body_fidelity"),
    _m("visibility-fires-early", "properties",
       "A received message is visible again after half its visibility timeout.",
       "cmq.legacy.ReceiveMessage.visibility_window",
       "cmq.legacy.BatchReceiveMessage.visibility_window"),
    _m("delay-fires-early", "properties",
       "A delayed message is visible after half its delaySeconds.",
       "cmq.legacy.SendMessage.delay_window", "cmq.legacy.BatchSendMessage.delay_window"),
    _m("queue-names-global", "properties",
       "Queue names are unique across accounts, not per account: another account cannot reuse "
       "one.",
       "cmq.v3.CreateQueue.name_scope", "cmq.legacy.CreateQueue.name_scope"),
    _m("exact-filter-substring", "properties",
       "DescribeQueueDetail's exact QueueName filter matches any queue whose name contains it.",
       "cmq.v3.DescribeQueueDetail.exact_match"),
    _m("tc3-content-type-parameters-ignored", "properties",
       "TC3 verification drops the Content-Type parameters, so a charset added after signing "
       "is not caught (cmq-api.txt:401).",
       "cmq.v3.auth.tc3_binds.header_content_type"),
    _m("hmac-method-either", "properties",
       "v1 verification accepts a signature made with either HMAC, whatever SignatureMethod "
       "declares.",
       "cmq.v3.auth.tcv1_binds.param_signaturemethod",
       "cmq.legacy.auth.cmq_legacy_binds.param_signaturemethod"),
)

BY_NAME: dict[str, Mutant] = {m.name: m for m in CATALOG}


def lookup(name: str) -> Mutant:
    """The catalog entry ``name``; ConfigError listing every valid name when unknown."""
    found = BY_NAME.get(name)
    if found is None:
        raise ConfigError(f"unknown mutant {name!r}; valid names: {', '.join(sorted(BY_NAME))}")
    return found
