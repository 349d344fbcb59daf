"""Deploys a synthesized CDK cloud assembly to moto as `cdk deploy --all` would to an account: a bootstrap (the version
parameter and the assets bucket), the assets zipped and uploaded as cdk-assets does, then one CloudFormation stack per
stack artifact, in its region (environment-agnostic stacks in us-east-1).

Usage: python3 deploy_to_moto.py ENDPOINT_URL ASSEMBLY_FOLDER
Prints one JSON object a line per stack: name, region, status, reason, its resources (logical id, type, status), and
how many resources moto did not model.
boto3 comes with moto; the tests have no CloudFormation client of their own (AWSSDK.CloudFormation is not served here).
"""
import io
import json
import os
import sys
import time
import zipfile

import boto3

ACCOUNT = "123456789012"
QUALIFIER = "hnb659fds"
BUCKETS = set()


def client(service, region):
    return boto3.client(service, region_name=region, endpoint_url=ENDPOINT,
                        aws_access_key_id="testing", aws_secret_access_key="testing")


def substitute(text, region):
    return text.replace("${AWS::AccountId}", ACCOUNT).replace("${AWS::Region}", region).replace("${AWS::Partition}", "aws")


def zipped(folder):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for root, _, files in os.walk(folder):
            for name in files:
                path = os.path.join(root, name)
                archive.write(path, os.path.relpath(path, folder))
    return buffer.getvalue()


def bootstrap(region):
    client("ssm", region).put_parameter(Name=f"/cdk-bootstrap/{QUALIFIER}/version", Value="21", Type="String", Overwrite=True)


def publish_assets(asset_manifest, region):
    manifest = json.load(open(os.path.join(ASSEMBLY, asset_manifest)))
    s3 = client("s3", region)
    for asset in manifest.get("files", {}).values():
        source = os.path.join(ASSEMBLY, asset["source"]["path"])
        body = zipped(source) if asset["source"].get("packaging") == "zip" else open(source, "rb").read()
        for destination in asset["destinations"].values():
            bucket = substitute(destination["bucketName"], region)
            if bucket not in BUCKETS:
                location = {} if region == "us-east-1" else {"CreateBucketConfiguration": {"LocationConstraint": region}}
                s3.create_bucket(Bucket=bucket, **location)
                BUCKETS.add(bucket)
            s3.put_object(Bucket=bucket, Key=substitute(destination["objectKey"], region), Body=body)


def deploy(name, artifact):
    region = artifact["environment"].rsplit("/", 1)[1]
    region = "us-east-1" if region == "unknown-region" else region
    bootstrap(region)
    for dependency in artifact.get("dependencies", []):
        if dependency.endswith(".assets"):
            publish_assets(dependency + ".json", region)
    cloudformation = client("cloudformation", region)
    template = open(os.path.join(ASSEMBLY, artifact["properties"]["templateFile"])).read()
    cloudformation.create_stack(StackName=name, TemplateBody=template,
                                Capabilities=["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM"])
    deadline = time.monotonic() + 120
    while True:
        stack = cloudformation.describe_stacks(StackName=name)["Stacks"][0]
        if not stack["StackStatus"].endswith("_IN_PROGRESS") or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    resources = cloudformation.list_stack_resources(StackName=name)["StackResourceSummaries"]
    return {
        "name": name,
        "region": region,
        "status": stack["StackStatus"],
        "reason": stack.get("StackStatusReason"),
        "resources": [f'{r["LogicalResourceId"]} {r["ResourceType"]} {r["ResourceStatus"]}' for r in resources if r["ResourceType"]],
        # moto lists each resource of a type it does not model with neither a type nor a logical id.
        "notModelled": sum(1 for r in resources if not r["ResourceType"]),
    }


ENDPOINT, ASSEMBLY = sys.argv[1], sys.argv[2]
for name, artifact in json.load(open(os.path.join(ASSEMBLY, "manifest.json")))["artifacts"].items():
    if artifact["type"] == "aws:cloudformation:stack":
        print(json.dumps(deploy(artifact.get("properties", {}).get("stackName", name), artifact)), flush=True)
