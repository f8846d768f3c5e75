"""The Clients resource as the real API's page defines it: fields, types and maxima.

One table, read by the schemas (validation), the store (representation), the seed
generator and the OpenAPI document, so that no second copy of the page can drift.
"""

from __future__ import annotations

from typing import Final, NamedTuple


class FieldSpec(NamedTuple):
    name: str
    kind: str  # "string", "number" or "integer"
    max_length: int | None
    description: str


FIELDS: Final[tuple[FieldSpec, ...]] = (
    FieldSpec("name", "string", 200, "Client display name."),
    FieldSpec("external_code", "string", 120, "External system identifier."),
    FieldSpec("status", "string", 10, "Client status."),
    FieldSpec("document", "string", 60, "Document number."),
    FieldSpec("document_type", "integer", None, "Document type identifier."),
    FieldSpec("business_name", "string", 200, "Legal business name."),
    FieldSpec("tax_id", "string", 60, "Tax identification number."),
    FieldSpec("phone", "string", 60, "Phone number."),
    FieldSpec("mobile", "string", 60, "Mobile phone."),
    FieldSpec("email", "string", 200, "Email address."),
    FieldSpec("notes", "string", 1000, "Free-text notes."),
    FieldSpec("image_url", "string", 500, "Image URL."),
    FieldSpec("street", "string", 200, "Street name."),
    FieldSpec("door_number", "string", 20, "Door number."),
    FieldSpec("apartment", "string", 20, "Apartment or suite."),
    FieldSpec("corner", "string", 200, "Cross street."),
    FieldSpec("zip_code", "string", 20, "Postal code."),
    FieldSpec("latitude", "number", None, "Latitude coordinate."),
    FieldSpec("longitude", "number", None, "Longitude coordinate."),
    FieldSpec("country_id", "string", 30, "Country ID."),
    FieldSpec("department_id", "string", 30, "Department ID."),
)

FIELD_NAMES: Final[tuple[str, ...]] = tuple(spec.name for spec in FIELDS)

#: Numeric ranges the contract fixes (inclusive).
RANGES: Final[dict[str, tuple[float, float]]] = {
    "latitude": (-90, 90),
    "longitude": (-180, 180),
    # The page gives no range; JavaScript's safe integers keep the value exact in a browser.
    "document_type": (-(2**53 - 1), 2**53 - 1),
}

WRITE_PERMISSION: Final = "APICLI_CLIENTS_WRITE"
READ_PERMISSION: Final = "APICLI_CLIENTS_READ"

#: The create example of the real API's page, for the README, the tests and the benchmark.
PAGE_CREATE_EXAMPLE: Final[dict[str, str]] = {
    "name": "Regional Distributors",
    "business_name": "Regional Distributors S.A.",
    "tax_id": "219900005018",
    "email": "info@regionaldist.com",
    "phone": "+59821009876",
    "street": "Bvar. Artigas",
    "door_number": "567",
    "country_id": "1",
    "department_id": "10",
}
