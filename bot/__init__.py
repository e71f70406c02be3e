"""After-sales assistant domain: policy, cases, orders, evidence and the data layer."""
