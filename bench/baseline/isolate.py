"""The baseline: the design of the seed blog post ("Automate Amazon EC2 instance isolation by using tags"), written
for this benchmark. A Lambda handler for a Tag Change on Resource event that, one call after another,

  1. reads the instance (for its VPC),
  2. swaps the instance profile: reads the association, disassociates it, associates the isolation profile,
  3. finds the isolation security group of the VPC, or creates it and revokes its default allow-all egress,
  4. puts the instance into that group alone with ModifyInstanceAttribute(Groups=[group]); on an instance with several
     network interfaces, where EC2 refuses that call ("There are multiple interfaces attached"), one
     ModifyNetworkInterfaceAttribute(Groups=[group]) per interface, one after another, as the design would have to.

No record, no connection-tracking step, no evidence work. The per-interface form is the one change to the post's
design: without it the baseline does not contain such an instance on AWS (moto accepts the refused call, but leaves
every interface in its own groups as well).
Configuration: BASELINE_PROFILE (instance profile name), BASELINE_GROUP (group name), and the usual AWS_* variables
(AWS_ENDPOINT_URL points boto3 at the emulator).
"""
import os

import boto3

TAG_KEY = os.environ.get("BASELINE_TAG_KEY", "ec2-isolation")
TAG_VALUE = os.environ.get("BASELINE_TAG_VALUE", "isolate")
PROFILE = os.environ.get("BASELINE_PROFILE", "ec2-isolation-deny-all")
GROUP = os.environ.get("BASELINE_GROUP", "baseline-isolation")

# Created once per container, as a Lambda does at import time.
ec2 = boto3.client("ec2")


def handler(event, context):
    detail = event.get("detail", {})
    if TAG_KEY not in detail.get("changed-tag-keys", []) or detail.get("tags", {}).get(TAG_KEY) != TAG_VALUE:
        return {"action": "ignored"}

    instance_id = event["resources"][0].rsplit("/", 1)[-1]
    instance = ec2.describe_instances(InstanceIds=[instance_id])["Reservations"][0]["Instances"][0]

    swap_instance_profile(instance_id)
    group_id = isolation_group(instance["VpcId"])
    interfaces = instance["NetworkInterfaces"]
    if len(interfaces) == 1:
        ec2.modify_instance_attribute(InstanceId=instance_id, Groups=[group_id])
    else:
        for interface in interfaces:
            ec2.modify_network_interface_attribute(NetworkInterfaceId=interface["NetworkInterfaceId"], Groups=[group_id])
    return {"action": "isolated", "instanceId": instance_id, "groupId": group_id}


def swap_instance_profile(instance_id):
    associations = ec2.describe_iam_instance_profile_associations(
        Filters=[{"Name": "instance-id", "Values": [instance_id]}, {"Name": "state", "Values": ["associated"]}]
    )["IamInstanceProfileAssociations"]
    for association in associations:
        ec2.disassociate_iam_instance_profile(AssociationId=association["AssociationId"])
    ec2.associate_iam_instance_profile(IamInstanceProfile={"Name": PROFILE}, InstanceId=instance_id)


def isolation_group(vpc_id):
    found = ec2.describe_security_groups(
        Filters=[{"Name": "vpc-id", "Values": [vpc_id]}, {"Name": "group-name", "Values": [GROUP]}]
    )["SecurityGroups"]
    if found:
        return found[0]["GroupId"]
    group_id = ec2.create_security_group(GroupName=GROUP, Description="Isolation: no traffic", VpcId=vpc_id)["GroupId"]
    ec2.revoke_security_group_egress(
        GroupId=group_id, IpPermissions=[{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]
    )
    return group_id
