"""Drives the token admin API with Azure DevOps' official Python client, unmodified; run in the client's own venv.

Arguments: base URL (server/organization), access token, member, authorization id to revoke.
Prints what it saw as JSON: the listed pages, and the message of a refused call.
"""

import datetime
import json
import sys

from azure.devops.exceptions import AzureDevOpsServiceError
from azure.devops.v7_1.token_admin import TokenAdminClient, TokenAdminRevocation, TokenAdminRevocationRule
from msrest.authentication import BasicTokenAuthentication


def row(token):
    return {
        "authorizationId": token.authorization_id,
        "displayName": token.display_name,
        "scope": token.scope,
        "isValid": token.is_valid,
        "isPublic": token.is_public,
        "userId": token.user_id,
        "targetAccounts": token.target_accounts,
        "token": token.token,
        "validToAware": token.valid_to is not None and token.valid_to.tzinfo is not None,
    }


def main(base_url, access_token, member, revoke_id):
    client = TokenAdminClient(base_url=base_url, creds=BasicTokenAuthentication({"access_token": access_token}))
    pages = []
    page = client.list_personal_access_tokens(member, page_size=2, is_public=False)
    pages.append([row(token) for token in page.value])
    while page.continuation_token:
        page = client.list_personal_access_tokens(member, page_size=2, continuation_token=page.continuation_token)
        pages.append([row(token) for token in page.value])
        if len(pages) > 10:
            raise RuntimeError("the continuation tokens never end")

    client.revoke_authorizations([TokenAdminRevocation(authorization_id=revoke_id)], is_public=False)
    soon = datetime.datetime.now(datetime.UTC) + datetime.timedelta(minutes=5)
    client.create_revocation_rule(TokenAdminRevocationRule(scopes="write", created_before=soon))

    try:
        client.list_personal_access_tokens("nobody-of-that-name")
        refusal = None
    except AzureDevOpsServiceError as error:
        refusal = {"message": error.message, "typeKey": error.type_key}
    print(json.dumps({"pages": pages, "refusal": refusal}))


if __name__ == "__main__":
    main(*sys.argv[1:5])
