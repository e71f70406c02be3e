"""The NLU contract of ../shared/spec/intents.md: names other tools rely on."""

CONTRACT_INTENTS = (
    "greet", "goodbye", "thank", "affirm", "deny", "request_return", "report_spoiled",
    "report_damaged", "report_wrong_item", "report_missing_item", "return_no_reason",
    "ask_return_policy", "ask_case_status", "urge_case", "cancel_case", "request_human",
    "complain_leader", "ask_order_status", "out_of_scope",
)
