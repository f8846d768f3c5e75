# The README's pytest example: this file is quoted there and run here, so it cannot rot.
import requests


def test_create_then_read_back(mock):
    """`mock` is a running mock, reset to the demo fixtures before each test."""
    headers = mock.headers()  # Bearer dev-token, X-API-Key dev-api-key, tenant demo
    created = requests.post(f"{mock.url}/apidev/v1/clients", json={"name": "ACME"}, headers=headers)
    assert created.status_code == 201
    client_id = created.json()["data"]["id"]

    read = requests.get(f"{mock.url}/apidev/v1/clients/{client_id}", headers=headers)
    assert read.json()["data"]["name"] == "ACME"


def test_my_client_handles_an_expired_token(mock):
    headers = mock.headers(Authorization="Bearer expired-token")
    response = requests.get(f"{mock.url}/apidev/v1/clients", headers=headers)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "UNAUTHORIZED"
