"""The quick start's account in the emulator, and a view of what isolation changes on its web instance.

seed() builds a dual-stack VPC, the isolation records table and the deny-all instance profile (what the CDK stack
deploys), and the web instance: an Auto Scaling member behind a target group, with two ENIs (the first in two groups,
each with an IPv6 address) and the application's instance profile. observe() reads back everything isolation changes,
as (row, value) pairs in a fixed order, so that two observations print side by side.
"""
import json

import boto3

IMAGE = "ami-12c6146b"  # one of the AMIs moto ships with
APP_PROFILE = "web-app"
APP_ROLE = "web-app-role"
GROUP_NAME = "web"
ROLE_TRUST = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
DENY_ALL = {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "*", "Resource": "*"}]}


class Account:
    def __init__(self, endpoint, region, table, isolation_profile, status_tag_prefix):
        session = boto3.session.Session(aws_access_key_id="testing", aws_secret_access_key="testing", region_name=region)
        self.ec2, self.iam, self.autoscaling, self.elbv2, self.dynamodb, self.sts = (
            session.client(s, endpoint_url=endpoint) for s in ("ec2", "iam", "autoscaling", "elbv2", "dynamodb", "sts"))
        self.table, self.isolation_profile, self.status_tag_prefix = table, isolation_profile, status_tag_prefix
        self.instance_id = self.target_group_arn = None

    def seed(self):
        """Builds the account; returns a line per thing built, for the progress output."""
        self.dynamodb.create_table(
            TableName=self.table, BillingMode="PAY_PER_REQUEST",
            AttributeDefinitions=[{"AttributeName": "RecordKey", "AttributeType": "S"}],
            KeySchema=[{"AttributeName": "RecordKey", "KeyType": "HASH"}])  # as the stack's table: account/region/instance
        self._profile(self.isolation_profile, self.isolation_profile + "-role", DENY_ALL)
        self._profile(APP_PROFILE, APP_ROLE, None)

        vpc = self.ec2.create_vpc(CidrBlock="10.0.0.0/16", AmazonProvidedIpv6CidrBlock=True)["Vpc"]
        ipv6 = vpc["Ipv6CidrBlockAssociationSet"][0]["Ipv6CidrBlock"]
        subnet = self.ec2.create_subnet(
            VpcId=vpc["VpcId"], CidrBlock="10.0.1.0/24", Ipv6CidrBlock=ipv6.replace("::/56", "::/64"))["Subnet"]["SubnetId"]
        web, admin, db = (self.ec2.create_security_group(VpcId=vpc["VpcId"], GroupName=name, Description=name)["GroupId"]
                          for name in ("web", "admin", "db"))
        self.ec2.authorize_security_group_ingress(GroupId=web, IpPermissions=[{
            "IpProtocol": "tcp", "FromPort": 443, "ToPort": 443,
            "IpRanges": [{"CidrIp": "0.0.0.0/0"}], "Ipv6Ranges": [{"CidrIpv6": "::/0"}]}])

        # The web instance is the Auto Scaling group's member: the group launches it from the template.
        template = self.ec2.create_launch_template(LaunchTemplateName="web", LaunchTemplateData={
            "ImageId": IMAGE, "InstanceType": "t3.micro",
            "NetworkInterfaces": [{"DeviceIndex": 0, "SubnetId": subnet, "Groups": [web, admin]}],
            "TagSpecifications": [{"ResourceType": "instance", "Tags": [{"Key": "Name", "Value": "web-1"}]}]})
        self.autoscaling.create_auto_scaling_group(
            AutoScalingGroupName=GROUP_NAME, MinSize=1, MaxSize=3, DesiredCapacity=1, VPCZoneIdentifier=subnet,
            LaunchTemplate={"LaunchTemplateId": template["LaunchTemplate"]["LaunchTemplateId"], "Version": "$Latest"})
        self.instance_id = self._group()["Instances"][0]["InstanceId"]
        primary = self._instance()["NetworkInterfaces"][0]["NetworkInterfaceId"]
        # moto launches Auto Scaling members into the default group, whatever the template says: set the template's.
        self.ec2.modify_network_interface_attribute(NetworkInterfaceId=primary, Groups=[web, admin])
        # EC2's default is stop; a fleet that throws instances away on shutdown shows what the protection step changes.
        self.ec2.modify_instance_attribute(
            InstanceId=self.instance_id, Attribute="instanceInitiatedShutdownBehavior", Value="terminate")
        self.ec2.assign_ipv6_addresses(NetworkInterfaceId=primary, Ipv6AddressCount=1)
        second = self.ec2.create_network_interface(SubnetId=subnet, Groups=[db], Ipv6AddressCount=1)
        self.ec2.attach_network_interface(
            InstanceId=self.instance_id, NetworkInterfaceId=second["NetworkInterface"]["NetworkInterfaceId"], DeviceIndex=1)
        self.ec2.associate_iam_instance_profile(InstanceId=self.instance_id, IamInstanceProfile={"Name": APP_PROFILE})

        self.target_group_arn = self.elbv2.create_target_group(
            Name="web", Protocol="HTTP", Port=80, VpcId=vpc["VpcId"], TargetType="instance")["TargetGroups"][0]["TargetGroupArn"]
        self.elbv2.register_targets(TargetGroupArn=self.target_group_arn, Targets=[{"Id": self.instance_id, "Port": 8080}])
        return [
            f"VPC {vpc['VpcId']} (10.0.0.0/16 and {ipv6}), subnet {subnet}; groups web (443 from anywhere, IPv4 and IPv6), admin, db",
            f"web instance {self.instance_id} (Name=web-1): two ENIs (web and admin; db), each with an IPv6 address,",
            f"  instance profile {APP_PROFILE} (role {APP_ROLE}), shutdown behaviour terminate,",
            f"  the member of Auto Scaling group {GROUP_NAME} (desired capacity 1), registered in target group web on port 8080",
            f"DynamoDB table {self.table} and deny-all instance profile {self.isolation_profile} (what the stack deploys)",
        ]

    def tag(self, key, value):
        self.ec2.create_tags(Resources=[self.instance_id], Tags=[{"Key": key, "Value": value}])

    def tags(self):
        return {t["Key"]: t["Value"] for t in self._instance().get("Tags", [])}

    def identity(self):
        return self.sts.get_caller_identity()["Account"]

    def observe(self):
        """What isolation changes, as [(row, value)]: per ENI, then the instance, its credentials, its fleet, its tags."""
        ec2, instance = self.ec2, self._instance()
        groups = {g["GroupId"]: g for g in ec2.describe_security_groups()["SecurityGroups"]}
        rows = []
        for attached in sorted(instance["NetworkInterfaces"], key=lambda e: e["Attachment"]["DeviceIndex"]):
            eni = ec2.describe_network_interfaces(NetworkInterfaceIds=[attached["NetworkInterfaceId"]])["NetworkInterfaces"][0]
            name = f"ENI {eni['Attachment']['DeviceIndex']} {eni['NetworkInterfaceId']}"
            eni_groups = [groups[g["GroupId"]] for g in eni["Groups"]]
            rows.append((f"{name} groups", ", ".join(g["GroupName"] for g in eni_groups)))
            rows.append((f"{name} egress", _egress(eni_groups)))
        associations = ec2.describe_iam_instance_profile_associations(Filters=[
            {"Name": "instance-id", "Values": [self.instance_id]}, {"Name": "state", "Values": ["associated"]}])["IamInstanceProfileAssociations"]
        rows.append(("instance profile", associations[0]["IamInstanceProfile"]["Arn"].split("/")[-1] if associations else "(none)"))
        boundary = self.iam.get_role(RoleName=APP_ROLE)["Role"].get("PermissionsBoundary", {}).get("PermissionsBoundaryArn")
        rows.append((f"boundary of {APP_ROLE}", boundary.split("/")[-1] if boundary else "(none)"))
        attribute = lambda name, key: ec2.describe_instance_attribute(InstanceId=self.instance_id, Attribute=name)[key]["Value"]
        rows.append(("termination protection", str(attribute("disableApiTermination", "DisableApiTermination"))))
        rows.append(("stop protection", str(attribute("disableApiStop", "DisableApiStop"))))
        rows.append(("shutdown behaviour", attribute("instanceInitiatedShutdownBehavior", "InstanceInitiatedShutdownBehavior")))
        for mapping in instance.get("BlockDeviceMappings", []):
            rows.append((f"{mapping['DeviceName']} delete on termination", str(mapping["Ebs"]["DeleteOnTermination"])))
        snapshots = ec2.describe_snapshots(Filters=[{"Name": "tag:" + self.status_tag_prefix + "instance-id", "Values": [self.instance_id]}])["Snapshots"]
        rows.append(("evidence snapshots", ", ".join(sorted(s["SnapshotId"] for s in snapshots)) or "(none)"))
        group = self._group()
        member = next((i for i in group["Instances"] if i["InstanceId"] == self.instance_id), None)
        rows.append((f"Auto Scaling ({GROUP_NAME})", member["LifecycleState"] if member else "(not a member)"))
        rows.append((f"  {GROUP_NAME}: desired, instances", f"{group['DesiredCapacity']}, {len(group['Instances'])}"))
        health = self.elbv2.describe_target_health(TargetGroupArn=self.target_group_arn)["TargetHealthDescriptions"]
        target = next((h for h in health if h["Target"]["Id"] == self.instance_id), None)
        rows.append(("target group web", f"port {target['Target']['Port']}: {target['TargetHealth']['State']}" if target else "(not registered)"))
        tags = self.tags()
        trigger_key = self.status_tag_prefix.rstrip(":")
        keys = [trigger_key] + [self.status_tag_prefix + name for name in ("status", "incident", "isolated-at")]
        keys += sorted(k for k in tags if k.startswith(self.status_tag_prefix) and k not in keys)
        rows.extend((f"tag {key}", tags.get(key, "(none)")) for key in keys)
        return rows

    def _profile(self, name, role, inline_policy):
        self.iam.create_role(RoleName=role, AssumeRolePolicyDocument=json.dumps(ROLE_TRUST))
        if inline_policy:
            self.iam.put_role_policy(RoleName=role, PolicyName="deny-all", PolicyDocument=json.dumps(inline_policy))
        self.iam.create_instance_profile(InstanceProfileName=name)
        self.iam.add_role_to_instance_profile(InstanceProfileName=name, RoleName=role)

    def _instance(self):
        return self.ec2.describe_instances(InstanceIds=[self.instance_id])["Reservations"][0]["Instances"][0]

    def _group(self):
        return self.autoscaling.describe_auto_scaling_groups(AutoScalingGroupNames=[GROUP_NAME])["AutoScalingGroups"][0]


def _egress(groups):
    """What the ENI may send: the union of its groups' egress rules, in short ("all" is every protocol and port)."""
    rules = sorted({(("all" if rule["IpProtocol"] == "-1" else f"{rule['IpProtocol']} {rule.get('FromPort')}-{rule.get('ToPort')}"),
                     peer.get("CidrIp") or peer.get("CidrIpv6") or peer.get("GroupId"))
                    for g in groups for rule in g.get("IpPermissionsEgress", [])
                    for peer in rule.get("IpRanges", []) + rule.get("Ipv6Ranges", []) + rule.get("UserIdGroupPairs", [])})
    return ", ".join(f"{what} to {peer}" for what, peer in rules) or "none"
