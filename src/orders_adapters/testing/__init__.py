"""For test authors: Hypothesis strategies, a pytest plugin and the public store contract
suite. Needs the ``testing`` extra (``pip install 'orders-service[testing]'``), which brings
Hypothesis and pytest; the clock, ids and builders they use are ``orders_core.testing``, in
the base install.

- ``orders_adapters.testing.strategies``: currencies, SKUs, money, lines (valid and each kind
  of invalid), orders in any lifecycle state, principals.
- ``orders_adapters.testing.contract``: ``OrderRepositoryContract``, the tests every store
  passes; subclass it in a test module and give it a ``contract_store`` fixture.
- ``orders_adapters.testing.plugin``: pytest fixtures (``orders_store``, ``orders_clock``,
  ``orders_ids``, ``orders_use_cases``, ...), loaded by pytest through the ``pytest11`` entry
  point; nothing to configure.
"""
