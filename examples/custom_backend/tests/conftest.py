import ember.testing

# ember's conformance suite: every kernel of the "checked" backend against the CPU backend
pytest_collect_file = ember.testing.conformance_suite("checked")
