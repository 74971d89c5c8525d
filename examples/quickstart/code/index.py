import json
import os


def handler(event, context):
    """HTTP trigger handler: answers with a greeting and the request path."""
    request = json.loads(event) if isinstance(event, (bytes, str)) and event else {}
    greeting = os.environ.get("GREETING", "hello")
    body = {"message": f"{greeting} from sdls quickstart", "path": request.get("rawPath", "/")}
    return {"statusCode": 200, "headers": {"Content-Type": "application/json"}, "body": json.dumps(body)}
