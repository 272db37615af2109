"""The OrderRepository contract on the project's three stores: the public suite
(``orders_adapters.testing.contract``) that any other store runs the same way."""

from __future__ import annotations

import pytest

from orders_adapters.testing.contract import (
    ExpiryContractStore,
    ExpiryIndexContract,
    OrderRepositoryContract,
)
from tests.contract.conftest import ContractStore


class TestEveryStore(OrderRepositoryContract):
    """Each test of the public suite, once per store of ``STORE_FACTORIES``."""

    @pytest.fixture
    def contract_store(self, store: ContractStore) -> ContractStore:
        return store


class TestEveryExpiryIndex(ExpiryIndexContract):
    """The expiry index's part of the suite, once per store: all three implement it."""

    @pytest.fixture
    def contract_store(self, store: ExpiryContractStore) -> ExpiryContractStore:
        return store
