#!/usr/bin/env python3
"""A small realistic account in the emulator, and a view of one instance's containment state.

  account.py seed           prints the id of a web instance: dual-stack VPC, two ENIs, an instance profile,
                            and an Auto Scaling member behind a target group beside it
  account.py show ID        prints what isolation changes: groups per ENI, profile, protections, snapshots, ASG state
"""
import json
import os
import sys

import boto3

REGION = os.environ.get("AWS_REGION", "us-east-1")
TABLE = os.environ.get("EC2ISOLATION_TABLE", "ec2-isolation-records")
ISOLATION_PROFILE = os.environ.get("EC2ISOLATION_INSTANCE_PROFILE", "ec2-isolation-deny-all")
IMAGE = "ami-12c6146b"  # one of the AMIs moto ships with


def client(service):
    return boto3.client(service, region_name=REGION, endpoint_url=os.environ["AWS_ENDPOINT_URL"])


def profile(iam, name, role, policy_document=None):
    trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
    iam.create_role(RoleName=role, AssumeRolePolicyDocument=json.dumps(trust))
    if policy_document:
        iam.put_role_policy(RoleName=role, PolicyName="policy", PolicyDocument=json.dumps(policy_document))
    iam.create_instance_profile(InstanceProfileName=name)
    iam.add_role_to_instance_profile(InstanceProfileName=name, RoleName=role)


def seed():
    ec2, iam = client("ec2"), client("iam")
    client("dynamodb").create_table(
        TableName=TABLE, BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": "InstanceId", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "InstanceId", "KeyType": "HASH"}])
    profile(iam, ISOLATION_PROFILE, ISOLATION_PROFILE + "-role",
            {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "*", "Resource": "*"}]})
    profile(iam, "web-app", "web-app-role")

    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16", AmazonProvidedIpv6CidrBlock=True)["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.1.0/24")["Subnet"]["SubnetId"]
    web = ec2.create_security_group(VpcId=vpc, GroupName="web", Description="web")["GroupId"]
    admin = ec2.create_security_group(VpcId=vpc, GroupName="admin", Description="admin")["GroupId"]
    instance = ec2.run_instances(
        ImageId=IMAGE, InstanceType="t3.micro", MinCount=1, MaxCount=1,
        NetworkInterfaces=[{"DeviceIndex": 0, "SubnetId": subnet, "Groups": [web, admin]}],
        TagSpecifications=[{"ResourceType": "instance", "Tags": [{"Key": "Name", "Value": "web-1"}]}],
    )["Instances"][0]["InstanceId"]
    eni = ec2.create_network_interface(SubnetId=subnet, Groups=[admin])["NetworkInterface"]["NetworkInterfaceId"]
    ec2.attach_network_interface(InstanceId=instance, NetworkInterfaceId=eni, DeviceIndex=1)
    ec2.associate_iam_instance_profile(InstanceId=instance, IamInstanceProfile={"Name": "web-app"})

    template = ec2.create_launch_template(LaunchTemplateName="web", LaunchTemplateData={
        "ImageId": IMAGE, "InstanceType": "t3.micro",
        "NetworkInterfaces": [{"DeviceIndex": 0, "SubnetId": subnet, "Groups": [web]}]})["LaunchTemplate"]["LaunchTemplateId"]
    client("autoscaling").create_auto_scaling_group(
        AutoScalingGroupName="web", LaunchTemplate={"LaunchTemplateId": template, "Version": "$Latest"},
        MinSize=1, MaxSize=3, DesiredCapacity=1, VPCZoneIdentifier=subnet)
    print(instance)


def show(instance_id):
    ec2 = client("ec2")
    instance = ec2.describe_instances(InstanceIds=[instance_id])["Reservations"][0]["Instances"][0]
    enis = ec2.describe_network_interfaces(NetworkInterfaceIds=[e["NetworkInterfaceId"] for e in instance["NetworkInterfaces"]])
    names = {g["GroupId"]: g["GroupName"] for g in ec2.describe_security_groups()["SecurityGroups"]}
    for eni in enis["NetworkInterfaces"]:
        print(f"  {eni['NetworkInterfaceId']:<24} groups: {', '.join(names.get(g['GroupId'], g['GroupId']) for g in eni['Groups'])}")
    associations = ec2.describe_iam_instance_profile_associations(
        Filters=[{"Name": "instance-id", "Values": [instance_id]}, {"Name": "state", "Values": ["associated"]}])["IamInstanceProfileAssociations"]
    print(f"  instance profile         {associations[0]['IamInstanceProfile']['Arn'].split('/')[-1] if associations else '(none)'}")
    attribute = lambda name, key: ec2.describe_instance_attribute(InstanceId=instance_id, Attribute=name)[key]["Value"]
    print(f"  termination protection   {attribute('disableApiTermination', 'DisableApiTermination')}")
    print(f"  stop protection          {attribute('disableApiStop', 'DisableApiStop')}")
    print(f"  shutdown behaviour       {attribute('instanceInitiatedShutdownBehavior', 'InstanceInitiatedShutdownBehavior')}")
    volumes = [m["Ebs"] for m in instance.get("BlockDeviceMappings", [])]
    print(f"  delete volumes on end    {', '.join(str(v['DeleteOnTermination']) for v in volumes)}")
    snapshots = ec2.describe_snapshots(Filters=[{"Name": "tag:ec2-isolation:instance-id", "Values": [instance_id]}])["Snapshots"]
    print(f"  evidence snapshots       {', '.join(s['SnapshotId'] for s in snapshots) or '(none)'}")
    tags = {t["Key"]: t["Value"] for t in instance.get("Tags", []) if t["Key"].startswith("ec2-isolation")}
    print(f"  isolation tags           {', '.join(f'{k}={v}' for k, v in sorted(tags.items())) or '(none)'}")


if __name__ == "__main__":
    if sys.argv[1:2] == ["seed"]:
        seed()
    elif sys.argv[1:2] == ["show"] and len(sys.argv) == 3:
        show(sys.argv[2])
    else:
        sys.exit(__doc__)
